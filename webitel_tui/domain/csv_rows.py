"""The CSV file of Webitel users: its columns (what the export writes and the import reads),
and the rows of a file read back, each cell checked, a bad one named by row and column.

A row is numbered as a spreadsheet shows it: the header is row 1, the first user row 2.
Pure: the caller reads the file's bytes and looks the rows up in the CRM.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from webitel_tui.domain.csv_cells import FORMULA_STARTS
from webitel_tui.domain.errors import DomainError, ValidationError
from webitel_tui.domain.rules import check_webitel_login, normalize_extension
from webitel_tui.domain.text import fold
from webitel_tui.domain.webitel_users import DomainLicense, DomainRole, UserLicense
from webitel_tui.i18n import LANGUAGES, N_, _, catalog, tr

LIST_SEPARATOR = ", "
"""Between the products of a Licenses cell and the names of a Roles cell."""


class Column(StrEnum):
    NAME = "name"
    CONTACT = "contact"
    EXTENSION = "extension"
    USER_ID = "user_id"
    DEFAULT_DEVICE = "default_device"
    LICENSES = "licenses"
    ROLES = "roles"
    STUN = "stun"
    CRM_USER = "crm_user"


CAPTIONS: dict[Column, str] = {
    Column.NAME: N_("Webitel user name"),
    Column.CONTACT: N_("Contact"),
    Column.EXTENSION: N_("Extension"),
    Column.USER_ID: N_("User id"),
    Column.DEFAULT_DEVICE: N_("Default device"),
    Column.LICENSES: N_("Licenses"),
    Column.ROLES: N_("Roles"),
    Column.STUN: N_("STUN"),
    Column.CRM_USER: N_("CRM user"),
}
"""English, as the export writes them with --lang en; `_()` gives the admin's language."""

EXPORTED = (
    Column.NAME,
    Column.CONTACT,
    Column.EXTENSION,
    Column.USER_ID,
    Column.DEFAULT_DEVICE,
    Column.LICENSES,
    Column.ROLES,
    Column.STUN,
)
"""The export's columns, in order."""

READ_ONLY = (Column.USER_ID, Column.DEFAULT_DEVICE)
"""Written by the export for the admin's eyes; the server decides them, the import ignores them."""

_ALIASES = {Column.STUN: (N_("Enable STUN"),), Column.CRM_USER: (N_("User"),)}
"""The card's captions of the same fields, which an admin may type in a header."""

_YES, _NO = N_("Yes"), N_("No")
_TRUE = {"yes", "true", "1", "y"}
_FALSE = {"no", "false", "0", "n"}
_DELIMITERS = (",", ";", "\t")
"""What spreadsheets write: a comma, or a semicolon where the comma is the decimal mark."""


class CsvFileError(DomainError):
    """The file cannot be read as a CSV of Webitel users (not UTF-8, no header, no Webitel
    user name column, broken quoting); `str()` says why in one line."""


@dataclass(frozen=True)
class CellProblem:
    """Why a row cannot be imported: its number and the column whose cell is wrong."""

    row: int
    column: Column | None
    message: str
    name: str = ""
    """The row's Webitel user name cell, as it is."""

    @property
    def caption(self) -> str:
        return _(CAPTIONS[self.column]) if self.column is not None else ""

    def __str__(self) -> str:
        where = tr("Row {0}", self.row)
        return (
            f"{where}, {self.caption}: {self.message}"
            if self.column
            else f"{where}: {self.message}"
        )


@dataclass(frozen=True)
class CsvRow:
    """A row whose cells passed the checks. None: the file has no such column (the record
    keeps its value); a list is the whole wanted list (an empty cell: none)."""

    row: int
    name: str
    contact: str | None = None
    extension: str | None = None
    has_extension: bool = False
    """Whether the file has an Extension column (an empty cell then means no extension)."""
    licenses: tuple[str, ...] | None = None
    roles: tuple[str, ...] | None = None
    stun: bool | None = None
    crm_user: str | None = None


@dataclass
class CsvFile:
    rows: list[CsvRow] = field(default_factory=list)
    problems: list[CellProblem] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    """Header cells the import does not read (the read-only columns and unknown ones)."""
    delimiter: str = ","


def captions_of(column: Column) -> set[str]:
    """The folded header captions that name `column`, in every language the app speaks (a
    file exported with --lang uk is read by an admin who works in English)."""
    english = (CAPTIONS[column], *_ALIASES.get(column, ()))
    return {fold(catalog(language).get(text, text)) for text in english for language in LANGUAGES}


_HEADER = {caption: column for column in Column for caption in captions_of(column)}


def yes_no(value: bool) -> str:
    """A STUN cell, as the export writes it."""
    return _(_YES) if value else _(_NO)


def _answers(english: str, plain: set[str]) -> set[str]:
    return plain | {fold(catalog(language).get(english, english)) for language in LANGUAGES}


_YES_WORDS = _answers(_YES, _TRUE)
_NO_WORDS = _answers(_NO, _FALSE)


def cell_text(value: str) -> str:
    """A cell as the admin typed it: the quote the export put before a formula-like value
    (domain/csv_cells.py) is taken off again, the spaces around it too."""
    text = value.strip()
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def split_list(text: str) -> tuple[str, ...]:
    """The items of a Licenses or Roles cell (", " as the export writes it; "," or ";" too)."""
    parts = text.replace(";", ",").split(",")
    return tuple(dict.fromkeys(part.strip() for part in parts if part.strip()))


def decode(data: bytes) -> str:
    """The file's text: UTF-8, with or without the BOM Excel writes."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvFileError(
            tr("The file is not UTF-8 text (byte {0}). Save it as CSV UTF-8.", exc.start + 1)
        ) from None


def _records(text: str, delimiter: str) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise CsvFileError(tr("The file is not a readable CSV: {0}", exc)) from None


def _header_score(text: str, delimiter: str) -> int:
    first = text.split("\n", 1)[0]
    cells = next(csv.reader([first], delimiter=delimiter), [])
    return sum(fold(cell_text(cell)) in _HEADER for cell in cells)


def sniff_delimiter(text: str) -> str:
    """The separator whose header cells name the most known columns."""
    return max(_DELIMITERS, key=lambda delimiter: _header_score(text, delimiter))


def read_csv(text: str) -> CsvFile:
    """The rows of a file's text; a row with a wrong cell becomes a problem (row, column),
    the others are read on. Raises `CsvFileError` for a file that is no such CSV at all."""
    delimiter = sniff_delimiter(text)
    records = _records(text, delimiter)
    if not records or not any(cell.strip() for cell in records[0]):
        raise CsvFileError(_("The file is empty: the first row must name the columns."))
    columns: dict[Column, int] = {}
    found = CsvFile(delimiter=delimiter)
    for index, caption in enumerate(records[0]):
        column = _HEADER.get(fold(cell_text(caption)))
        if column is None or column in READ_ONLY or column in columns:
            if caption.strip():
                found.ignored.append(caption.strip())
            continue
        columns[column] = index
    if Column.NAME not in columns:
        raise CsvFileError(tr('The first row has no "{0}" column.', _(CAPTIONS[Column.NAME])))
    seen: dict[str, int] = {}
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue  # a blank line a spreadsheet left at the end
        cells = {
            column: cell_text(record[index]) if index < len(record) else ""
            for column, index in columns.items()
        }
        try:
            row = _row(number, cells)
        except _Bad as bad:
            found.problems.append(CellProblem(number, bad.column, bad.message, cells[Column.NAME]))
            continue
        first = seen.setdefault(row.name, number)
        if first != number:
            message = tr("The Webitel user name is also in row {0}.", first)
            found.problems.append(CellProblem(number, Column.NAME, message, row.name))
            continue
        found.rows.append(row)
    return found


class _Bad(Exception):
    def __init__(self, column: Column, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def _checked(column: Column, check: Callable[[str], str | None], value: str) -> str | None:
    try:
        result = check(value)
    except ValidationError as exc:
        raise _Bad(column, str(exc)) from None
    return result


def _row(number: int, cells: Mapping[Column, str]) -> CsvRow:
    name = _checked(Column.NAME, check_webitel_login, cells[Column.NAME])
    assert name is not None
    extension = None
    if Column.EXTENSION in cells:
        extension = _checked(Column.EXTENSION, normalize_extension, cells[Column.EXTENSION])
    stun = None
    if cells.get(Column.STUN):
        answer = fold(cells[Column.STUN])
        if answer not in _YES_WORDS | _NO_WORDS:
            raise _Bad(
                Column.STUN,
                tr('"{0}" is neither {1} nor {2}.', cells[Column.STUN], _(_YES), _(_NO)),
            )
        stun = answer in _YES_WORDS

    def listed(column: Column) -> tuple[str, ...] | None:
        return split_list(cells[column]) if column in cells else None

    return CsvRow(
        row=number,
        name=name,
        contact=cells.get(Column.CONTACT) or None,
        extension=extension,
        has_extension=Column.EXTENSION in cells,
        licenses=listed(Column.LICENSES),
        roles=listed(Column.ROLES),
        stun=stun,
        crm_user=cells.get(Column.CRM_USER) or None,
    )


# What a Licenses or Roles cell names ----------------------------------------------------------


def license_serials(
    given: str, known: Sequence[DomainLicense], held: Sequence[UserLicense], *, grant: bool
) -> list[str]:
    """The serials a product name or a serial stands for: to grant, one license of the
    product (a grantable one when there is); to revoke, every license of it. Raises
    `ValidationError` (field "Licenses") for a name that is neither."""
    # (serial, product, grantable); what the user holds is revoked whatever its state.
    candidates = [(lic.id, lic.product, lic.grantable) for lic in known]
    candidates += [(lic.license_id, lic.product, True) for lic in held]
    if any(serial == given for serial, _product, _ok in candidates):
        return [given]
    same = [(serial, ok) for serial, product, ok in candidates if fold(product) == fold(given)]
    if not same:
        products = ", ".join(sorted({product for _serial, product, _ok in candidates} - {""}))
        raise ValidationError(
            tr(
                'No Webitel license "{0}": give a product ({1}) or a license serial.',
                given,
                products,
            ),
            "Licenses",
        )
    if not grant:
        return list(dict.fromkeys(serial for serial, _ok in same))
    # None grantable (expired, no grants left): the server's refusal says why.
    return [next((serial for serial, ok in same if ok), same[0][0])]


def role_id(given: str, roles: Sequence[DomainRole]) -> int:
    """The id of the role named (or numbered) `given`; `ValidationError` (field "Roles")."""
    for role in roles:
        if str(role.id) == given or fold(role.name) == fold(given):
            return role.id
    names = ", ".join(sorted(role.name or str(role.id) for role in roles))
    raise ValidationError(tr('No Webitel role "{0}": the roles are {1}.', given, names), "Roles")


def holds(wanted: str, grant: UserLicense) -> bool:
    """Whether a Licenses cell's item (a product or a serial) names the held license."""
    return wanted == grant.license_id or fold(wanted) == fold(grant.product or grant.name)
