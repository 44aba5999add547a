# pyitt-host's Python side of child processes (multiprocessing, subprocess, os.exec*), compiled into the
# host (module/embed) as the file name "<pyitt-host children>": names starting with "<pyitt" are never tasks.
import os, sys

def _say(text):
    """pyitt-host's own lines: a stderr that is closed, full or gone never reaches the program."""
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except Exception:
        pass

def _warn_fork_once():
    global _fork_warned
    if _fork_warned:
        return
    _fork_warned = True
    _say("pyitt-host: warning: multiprocessing's fork start method under an external ITT collector (VTune) "
         "can corrupt its data; use the spawn or forkserver start method\n")

def _adjust(mp):
    """What pyitt-host changes in multiprocessing, right after the program imports it."""
    context, process = mp.context, mp.process
    default = context._default_context
    chosen = method
    if verbosity >= 1 and not is_child:
        if chosen is not None:
            why = "%s (--mp-start-method %s)" % (chosen, chosen)
        elif spawn_instead_of_fork and default._default_context.get_start_method() == "fork":
            why = ("spawn instead of Python's fork (--mp-start-method auto, under an external collector, which "
                   "forked children corrupt)")
        else:
            why = "%s, Python's own (--mp-start-method %s)" % (default._default_context.get_start_method(), mode)
        _say("pyitt-host: [v1] multiprocessing's default start method: %s\n" % why)
    if chosen is None and spawn_instead_of_fork and default._default_context.get_start_method() == "fork":
        chosen = "spawn"
        spawn_popen = context.SpawnProcess._Popen
        def _Popen(process_obj):
            global _spawn_noted
            if not _spawn_noted and default._actual_context in (None, default._default_context):
                _spawn_noted = True
                _say("pyitt-host: note: multiprocessing starts its children with spawn instead of fork, since "
                     "forked children corrupt an external ITT collector's data (VTune's); --mp-start-method keep "
                     "keeps fork\n")
            return spawn_popen(process_obj)
        context.SpawnProcess._Popen = staticmethod(_Popen)
    if chosen is not None and default._actual_context is None:
        # The default only: set_start_method() and get_context() work as they do under python.
        default._default_context = context._concrete_contexts[chosen]
    bootstrap = process.BaseProcess._bootstrap
    def _bootstrap(self, *args, **kwargs):
        set_role(self.name)
        return bootstrap(self, *args, **kwargs)
    process.BaseProcess._bootstrap = _bootstrap
    if warn_fork:
        fork_popen = context.ForkProcess._Popen
        def _Popen(process_obj):
            _warn_fork_once()
            return fork_popen(process_obj)
        context.ForkProcess._Popen = staticmethod(_Popen)

def _adjust_or_warn(mp):
    try:
        _adjust(mp)
    except Exception as error:
        _say("pyitt-host: warning: cannot set up multiprocessing for pyitt-host (%r); its children "
             "keep Python's defaults\n" % (error,))

def _stop_forkserver():
    """The forkserver ends when the program's process ends; stopping it here lets it write its trace
    before the run's traces are merged."""
    forkserver = sys.modules.get("multiprocessing.forkserver")
    server = getattr(forkserver, "_forkserver", None)
    if os.getpid() != main_pid or getattr(server, "_forkserver_pid", None) is None:
        return
    try:
        server._stop()
    except Exception:
        pass

def install():
    if method == "fork" and warn_fork:
        _warn_fork_once()
    if not is_child:
        import atexit
        atexit.register(_stop_forkserver)  # before the program's handlers, so it runs after them
    after_import("multiprocessing", _adjust_or_warn)  # programs that never import it pay nothing
    real_exit = os._exit
    def _exit(status):
        finish_process()
        real_exit(status)
    _exit.__doc__ = real_exit.__doc__
    os._exit = _exit
    # os.execl, execvp, execvpe... all end in these two (os's own globals): the image that execs
    # writes what it recorded, as one that exits would.
    real_execv, real_execve = os.execv, os.execve
    def execv(path, argv):
        _finish_before_exec(path, None)
        return real_execv(path, argv)
    def execve(path, argv, env):
        _finish_before_exec(path, env)
        return real_execve(path, argv, env)
    execv.__doc__, execve.__doc__ = real_execv.__doc__, real_execve.__doc__
    os.execv, os.execve = execv, execve

def _finish_before_exec(path, env):
    """Only for an exec that will succeed: after one that fails, the program goes on recording."""
    try:
        target = None if isinstance(path, int) else os.fsdecode(path)
        if target is not None and not (os.path.isfile(target) and os.access(target, os.X_OK)):
            return
        hands_over = options_variable in (os.environ if env is None else env)
        goes_on = (target is not None and hands_over
                   and os.path.realpath(target) == os.path.realpath(sys.executable))
    except Exception:
        return
    finish_before_exec(goes_on)

_fork_warned = False
_spawn_noted = False
