"""Contributors, royalties (nhuận bút) and payment periods in the newsroom.

    rules.py      the royalty rules as date-versioned data
    register.py   the register of contributors, personal data encrypted
    grading.py    grading a published work, and the lines a grade earns
    periods.py    payment periods: collect, review, lock; statements
    exports.py    the accounting office's files: XLSX, CSV, PDF
    pages.py      the admin screens under /admin/royalties
    commands.py   `portal royalty ...` on the command line
"""
