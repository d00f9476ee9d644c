"""Fill dashboards in LibreOffice itself, as a user would, and save them.

Run with the system Python that has LibreOffice's ``uno`` module (not the
project's virtual environment)::

    /usr/bin/python3 tests/lo_fill.py JOBS.json

JOBS.json: ``{"profile": DIR, "jobs": [{"in": PATH, "out": PATH,
"cells": [[sheet, row, col, kind, value], ...]}]}`` with 0-based row and
col; kind ``text`` types a string, ``date`` an ISO date. Each document is
recalculated and stored as xlsx by LibreOffice.
"""

import datetime as dt
import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def main(spec_path):
    spec = json.loads(Path(spec_path).read_text())
    pipe = f"piramide-{uuid.uuid4().hex}"
    office = subprocess.Popen(
        [
            "soffice", f"-env:UserInstallation={Path(spec['profile']).as_uri()}",
            "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
            f"--accept=pipe,name={pipe};urp;",
        ],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.time() + 60
        while True:
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                if time.time() > deadline or office.poll() is not None:
                    raise
                time.sleep(0.2)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        epoch = dt.date(1899, 12, 30)
        for job in spec["jobs"]:
            doc = desktop.loadComponentFromURL(Path(job["in"]).resolve().as_uri(), "_blank", 0, (prop("Hidden", True),))
            try:
                for sheet, row, col, kind, value in job["cells"]:
                    sh = doc.Sheets.getByName(sheet)
                    if sh.isProtected():
                        sh.unprotect("")
                    cell = sh.getCellByPosition(col, row)
                    if kind == "date":
                        cell.setValue((dt.date.fromisoformat(value) - epoch).days)
                    else:
                        cell.setString(value)
                doc.calculateAll()
                out = Path(job["out"]).resolve()
                doc.storeToURL(out.as_uri(), (prop("FilterName", "Calc MS Excel 2007 XML"),))
            finally:
                doc.close(True)
        try:
            desktop.terminate()
        except Exception:
            pass
    finally:
        try:
            office.wait(timeout=30)
        except subprocess.TimeoutExpired:
            office.kill()


if __name__ == "__main__":
    main(sys.argv[1])
