#!/usr/bin/python3
"""state.py: read (and, for tests that fake damage, write) netstitch's SQLite state store
(netconf/store_sqlite.c) with Python's own sqlite3 module, an independent reader.

  state.py STATE journal TXID            the journal, "MS LINE" per line
  state.py STATE record TXID NAME        a transaction's record (plan, dev-0.before.xml)
  state.py STATE txn TXID                the history row as JSON
  state.py STATE svc SERVICE NAME        a service's record text (current, gen-1/meta)
  state.py STATE svc-list SERVICE        the names of a service's texts
  state.py STATE svc-put SERVICE NAME    replace a service's text with stdin
  state.py STATE mode                    the state.db file's mode, octal
  state.py STATE last                    the newest transaction id ("" when none)
  state.py STATE count                   the number of transactions
  state.py STATE journal-drop TXID RE    delete the journal lines matching RE (a test's
                                         way to fake a crash between a reply and its line)
  state.py STATE grep TEXT               where TEXT occurs: "record SCOPE OWNER NAME",
                                         "journal TXID", "txn TXID" lines
"""
import json
import os
import sqlite3
import sys


def main():
    state, cmd, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    path = os.path.join(state, "state.db")
    if cmd == "mode":
        print("%o" % (os.stat(path).st_mode & 0o777))
        return 0
    if cmd in ("last", "count") and not os.path.exists(path):
        print("" if cmd == "last" else 0)
        return 0
    db = sqlite3.connect(path, timeout=30)
    if cmd == "last":
        row = db.execute("SELECT id FROM txn ORDER BY id DESC LIMIT 1").fetchone()
        print(row[0] if row else "")
        return 0
    if cmd == "count":
        print(db.execute("SELECT count(*) FROM txn").fetchone()[0])
        return 0
    if cmd == "journal":
        for ms, line in db.execute(
                "SELECT ms, line FROM journal WHERE txid = ? ORDER BY seq", (args[0],)):
            print(ms, line)
    elif cmd in ("record", "svc"):
        row = db.execute("SELECT data FROM record WHERE scope = ? AND owner = ? AND name = ?",
                         ("T" if cmd == "record" else "S", args[0], args[1])).fetchone()
        if row is None:
            print("no such record", file=sys.stderr)
            return 1
        sys.stdout.write(row[0].decode() if isinstance(row[0], bytes) else row[0])
    elif cmd == "svc-list":
        for (name,) in db.execute(
                "SELECT name FROM record WHERE scope = 'S' AND owner = ? ORDER BY 1", (args[0],)):
            print(name)
    elif cmd == "svc-put":
        with db:
            db.execute("INSERT OR REPLACE INTO record(scope, owner, name, data) "
                       "VALUES('S', ?, ?, ?)", (args[0], args[1], sys.stdin.read()))
    elif cmd == "journal-drop":
        import re
        rx = re.compile(args[1])
        with db:
            for seq, line in db.execute("SELECT seq, line FROM journal WHERE txid = ?",
                                        (args[0],)).fetchall():
                if rx.search(line):
                    db.execute("DELETE FROM journal WHERE seq = ?", (seq,))
    elif cmd == "grep":
        needle = args[0]
        for scope, owner, name, data in db.execute("SELECT * FROM record"):
            text = data.decode() if isinstance(data, bytes) else data
            if needle in text:
                print("record", scope, owner, name)
        for txid, line in db.execute("SELECT txid, line FROM journal"):
            if needle in line:
                print("journal", txid)
        for row in db.execute("SELECT * FROM txn"):
            if any(needle in str(v) for v in row):
                print("txn", row[0])
    elif cmd == "txn":
        cur = db.execute("SELECT * FROM txn WHERE id = ?", (args[0],))
        row = cur.fetchone()
        if row is None:
            print("no such transaction", file=sys.stderr)
            return 1
        print(json.dumps(dict(zip([c[0] for c in cur.description], row))))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


sys.exit(main())
