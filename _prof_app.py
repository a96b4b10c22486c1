import os
from pyinstrument import Profiler
_p = Profiler(interval=0.001)
_p.start()
try:
    exec(compile(open("/work/main/app.py").read(), "/work/main/app.py", "exec"))
finally:
    _p.stop()
    with open(os.environ.get("PROF_OUT", "/tmp/ipkg/prof.txt"), "a") as f:
        f.write(_p.output_text(unicode=False, color=False, show_all=False))
