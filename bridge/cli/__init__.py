"""The ``netcourses`` command line, one way round.

``common`` holds what every command shares (the error type, the runtime decorator, output helpers)
and imports no command; each command module imports ``common`` and the features it drives; ``root``
is the top group and the only module that imports the commands. The layer contract in
``.importlinter`` keeps it so.
"""
