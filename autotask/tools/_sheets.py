"""Export files: CSV (UTF-8 with a BOM, so Excel reads accents right) or XLSX (typed dates and
numbers, a bold frozen header, a filter), both with labelled headers and written row by row."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path
from typing import Literal, Protocol

import xlsxwriter

__all__ = ["FORMATS", "ExportFormat", "Sheet", "open_sheet"]

ExportFormat = Literal["xlsx", "csv"]
FORMATS: dict[str, tuple[str, str]] = {  # format → (file extension, MIME type)
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": ("csv", "text/csv"),
}
_FORMULA_STARTS = frozenset("=+-@\t\r")
_MAX_WIDTH = 60


class Sheet(Protocol):
    def write(self, rows: list[list[object]]) -> None: ...

    def close(self) -> None: ...


def _text_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value[:1] in _FORMULA_STARTS:
        return "'" + value  # customer text must not run as a spreadsheet formula
    return value


class _CsvSheet:
    def __init__(self, path: Path, header: list[str]) -> None:
        self._handle = path.open("w", newline="", encoding="utf-8-sig")  # the BOM Excel needs
        self._writer = csv.writer(self._handle)
        self._writer.writerow(header)

    def write(self, rows: list[list[object]]) -> None:
        self._writer.writerows([[_text_cell(v) for v in row] for row in rows])

    def close(self) -> None:
        self._handle.close()


class _XlsxSheet:
    """One worksheet in constant-memory mode: each row is flushed as it is written."""

    def __init__(self, path: Path, header: list[str]) -> None:
        self._book = xlsxwriter.Workbook(
            str(path), {"constant_memory": True, "strings_to_formulas": False,
                        "strings_to_urls": False, "strings_to_numbers": False},
        )  # fmt: skip
        self._sheet = self._book.add_worksheet("Export")
        self._moment = self._book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        self._day = self._book.add_format({"num_format": "yyyy-mm-dd"})
        bold = self._book.add_format({"bold": True})
        for column, label in enumerate(header):
            self._sheet.set_column(column, column, min(max(len(label) + 2, 12), _MAX_WIDTH))
            self._sheet.write_string(0, column, label, bold)
        self._sheet.freeze_panes(1, 0)
        self._columns = len(header)
        self._row = 0

    def write(self, rows: list[list[object]]) -> None:
        for row in rows:
            self._row += 1
            for column, value in enumerate(row):
                self._cell(self._row, column, value)

    def _cell(self, row: int, column: int, value: object) -> None:
        sheet = self._sheet
        if value is None or value == "":
            return
        if isinstance(value, datetime):
            sheet.write_datetime(row, column, value.replace(tzinfo=None), self._moment)
        elif isinstance(value, date):
            sheet.write_datetime(row, column, value, self._day)
        elif isinstance(value, bool):
            sheet.write_boolean(row, column, value)
        elif isinstance(value, int | float):
            sheet.write_number(row, column, value)
        else:
            sheet.write_string(row, column, str(value)[:32_767])  # Excel's cell limit

    def close(self) -> None:
        if self._columns:
            self._sheet.autofilter(0, 0, max(self._row, 1), self._columns - 1)
        self._book.close()


def open_sheet(path: Path, fmt: ExportFormat, header: list[str]) -> Sheet:
    """A new export file at ``path`` with ``header`` as its first row."""
    return _XlsxSheet(path, header) if fmt == "xlsx" else _CsvSheet(path, header)
