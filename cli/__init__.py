"""The `nbassist` command line: operators' commands over the engine, without Flask.

Only `nbassist serve` loads the web application (see cli/main.py).
"""
