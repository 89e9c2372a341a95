"""`outreach server`: one server for a whole province, every commune's studio behind sign-in.

folder.py (the server folder and its settings), db.py (tables, engine, migrations), accounts.py,
sessions.py, audit.py, throttle.py, approvals.py, gate.py (what each request must show), prefix.py
(a commune's studio under /c/<commune>/), app.py (routes), cli.py (the commands).
"""
