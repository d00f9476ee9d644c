"""One small writer per sheet of the dashboard workbook.

Each module writes one sheet (or two small hidden ones) from a
:class:`~piramide.sheets.book.Book`: the spec, the scored measurements, the
shared formats and the defined names. Positions come from
:mod:`piramide.layout`, colours from :mod:`piramide.palette`. The public face
is :mod:`piramide.writer`.
"""
