"""The shape of a target's ``forms.yaml``: a website described as data.

Every page the push visits and every form it fills, in order, is written down here instead of
in plugin code: for each field our logical name, how to find it on the page, its kind, whether
the site requires it, where our value comes from and how our values map to the site's option
texts; for each page its buttons (and the confirm() dialog a button opens) and the lists it
reads. Planning, validation, filling, read-back, the preview and ``doctor`` all read the one
description, so a changed website is an edit of this file, never a code release.
"""
from __future__ import annotations

from typing import Annotated, Literal, Union
from urllib.parse import urlsplit

from pydantic import Discriminator, Tag, model_validator
from pydantic import Field as Default

from ..config import Locator, Strict

# Kinds of field, each filled, read back and checked its own way (core/forms/page.py):
# text, textarea, password    typed text
# number, money               a number; money always with two decimals ("1234.50")
# date_be                     a date typed dd/mm/yyyy with a Buddhist-Era year ("01/10/2569")
# select                      one option, matched by its text (or its value, option_by: value);
#                             with ``parent`` a cascading select whose options follow the parent
# radio                       one of several radio buttons, each found by its option text
# file                        a file chooser
# months                      one input per month of the fiscal year ({month}: "ต.ค. 2569")
# rows                        repeatable rows of columns ({n}: the row's number, from 1)
ScalarKind = Literal["text", "textarea", "password", "number", "money", "date_be", "select", "radio", "file"]
DERIVATIONS = ("digits_only", "lines", "first_day_be", "last_day_be")


class Constant(Strict):
    """A value the site asks for that our data does not hold: the same text for every record."""

    constant: str


class Derived(Strict):
    """A value computed from one of ours by a named rule (see ``core/forms/plan.py``)."""

    derive: Literal["digits_only", "lines", "first_day_be", "last_day_be"]
    source: str = Default(alias="from")


ValueSource = Union[str, Constant, Derived]  # a str is the path of our value: "owner.phone"


class Outcome(Locator):
    """How a page that saves without leaving (its script's fetch) tells how a save ended: the
    value of ``attribute`` on the element found, once it is none of ``pending``."""

    attribute: str
    saved: list[str]  # the site took it
    refused: list[str] = []  # the site refused it, its messages on the page: nothing was saved
    pending: list[str] = []  # while the save runs (any other value is a doubt: a lookup decides)


class Button(Locator):
    """A button (or link) the flow clicks. ``confirm``: the start of the confirm() dialog it
    opens, accepted only when the dialog says that (any other dialog is dismissed); ``posts``:
    the path its form sends to, whose answer tells whether the site took it; ``saved``: the page
    stays and says the outcome itself (no navigation or form post to wait for)."""

    confirm: str | None = None
    posts: str | None = None
    saved: Outcome | None = None


class Field(Locator):
    """One input of a form: how to find it (the ``Locator`` keys) and what goes in."""

    kind: ScalarKind = "text"
    required: bool = False  # the site refuses a save without it
    max_length: int | None = None
    value: ValueSource | None = None  # where our value comes from; None: the flow fills it (a file)
    options: dict[str, str] = {}  # select/radio: our value → the option's text on the site
    option_by: Literal["label", "value"] = "label"  # select: match our value to the option's text or value
    parent: str | None = None  # cascading select: the field of the same step whose choice fills this one
    input: str | None = None  # the name the form posts it under ({n}, {key}): http mode and JSON read-back


class MonthsField(Field):
    """One input per month: ``label`` (or another way) takes ``{month}``, e.g. "ต.ค. 2569"; ``input``
    takes ``{key}``, e.g. "2569-10". ``each`` is the kind of every month's input."""

    kind: Literal["months"] = "months"  # type: ignore[assignment]
    each: Literal["number", "money"] = "money"


class RowsField(Strict):
    """Repeatable rows (KPIs, activities, budget lines): ``value`` is the path of our list,
    ``columns`` the fields of one row, found with ``{n}`` (1, 2 …). Without ``add`` the site
    shows one row per item by itself (the progress form's activities): never added or removed."""

    kind: Literal["rows"] = "rows"
    title: str = ""  # the list's name on the site, for people (the preview)
    value: str
    columns: dict[str, Field]
    add: Button | None = None
    remove: Button | None = None  # takes {n}
    required: bool = False  # at least one row


def _kind(raw) -> str:
    kind = raw.get("kind", "text") if isinstance(raw, dict) else getattr(raw, "kind", "text")
    return kind if kind in ("rows", "months") else "scalar"


# A field's ``kind`` picks its schema, so a mistake is reported against that schema alone.
AnyField = Annotated[Union[Annotated[RowsField, Tag("rows")], Annotated[MonthsField, Tag("months")],
                           Annotated[Field, Tag("scalar")]], Discriminator(_kind)]


class Read(Strict):
    """What to read off an element: an attribute's value, or its text."""

    attribute: str | None = None
    text: bool = False
    number: bool = False  # the digits in it, as a whole number ("1,234 ไบต์" → 1234)
    cell: int | None = None  # in a list: the row's cell at this index (from 0) instead of the row


class Element(Locator):
    """An element the flow reads (a status, a title): how to find it and what to read off it."""

    read: Read = Read(text=True)


class ListSpec(Strict):
    """A table of records the flow reads (projects, evidence files): each row's values, page by page."""

    rows: Locator  # one element per record
    columns: dict[str, Read | Element]  # a Read of the row itself, or an Element inside the row
    next: Locator | None = None  # the "next page" link; absent on the last page


class ApiList(Strict):
    """A list the site's JSON API gives page by page (http mode): the rows under ``rows``, each
    a dict whose keys are the list's column names, and paging read from ``page`` and ``pages``."""

    path: str
    rows: str = "items"
    page: str = "page"
    pages: str = "pages"


class Page(Strict):
    """A page the flow visits without saving anything on it (or only through its buttons)."""

    path: str | None = None  # under base_url; {id}, {code}, {year} … filled by the flow
    api: ApiList | None = None  # the same list from the site's JSON API, for http mode
    ready: Locator | None = None  # an element that is there once the page is drawn (pages drawn by JavaScript)
    refused: Locator | None = None  # shows instead of ``ready`` when the site will not open it (as HTTP 409)
    elements: dict[str, Element] = {}
    lists: dict[str, ListSpec] = {}
    buttons: dict[str, Button] = {}
    fields: dict[str, AnyField] = {}


class Step(Page):
    """One step of a form (a single-page form has one). ``new_path`` opens the form for a record
    the site does not hold yet; ``buttons.save`` saves the step."""

    code: str
    title: str = ""
    new_path: str | None = None

    @model_validator(mode="after")
    def _saves(self):
        if "save" not in self.buttons:
            raise ValueError(f"ขั้นตอน {self.code}: ต้องมี buttons.save (ปุ่มบันทึกของขั้นตอนนี้)")
        return self


class ApiHeader(Strict):
    """A header the endpoint demands: the content of a ``<meta>`` of the site's pages, or (a
    token an app keeps) ``json`` of the web storage item ``storage``, after ``prefix``."""

    header: str
    meta: str | None = None
    storage: str | None = None
    json_key: str | None = Default(None, alias="json")
    prefix: str = ""


class Form(Strict):
    """A form the push fills: its steps in the order the site takes them."""

    title: str = ""
    steps: list[Step]
    api: str | None = None  # the JSON endpoint the page's own script saves through (http mode)
    # Headers that endpoint demands, each taken from a <meta> of the site's pages:
    # {header: X-CSRF-Token, meta: csrf-token} sends the content of <meta name="csrf-token">;
    # or from the page's web storage: {header: Authorization, storage: app.tokens, json: access_token, prefix: "Bearer "}.
    api_headers: list[ApiHeader] = []

    def step(self, code: str) -> Step:
        return next(s for s in self.steps if s.code == code)


class SiteRules(Strict):
    """How the site tells what it refused and what it requires, on every page."""

    errors: Locator | None = None  # elements holding the site's own messages (visible ones count)
    required_mark: str | None = "*"  # a label ending with this marks a required field


class Login(Page):
    """How to sign in. ``form``: the site's own login form at ``path`` (a refusal answers 401 or
    shows the form again). ``keycloak``: ``path`` is the app, which sends the browser to an
    OpenID Connect sign-in page under ``realm``; signing in is done when ``signed_in`` shows,
    refused when ``refused`` does, and a page under ``realm`` later means the session is over."""

    kind: Literal["form", "keycloak"] = "form"
    realm: str | None = None  # keycloak: the sign-in pages' path, e.g. /auth/realms/master/
    signed_in: Locator | None = None  # keycloak: shows once the app is back and drawn
    refused: Locator | None = None  # keycloak: the sign-in page's refusal message
    client_id: str | None = None  # keycloak, http mode: the app's OpenID Connect client
    redirect_uri: str | None = None  # keycloak, http mode: where the realm sends the code (default: path)

    @model_validator(mode="after")
    def _keycloak_keys(self):
        missing = [k for k in ("realm", "signed_in", "refused") if self.kind == "keycloak" and getattr(self, k) is None]
        if missing:
            raise ValueError(f"login แบบ keycloak ต้องมี {', '.join(missing)}")
        return self

    def signed_out(self, url: str) -> bool:
        """Whether a page at ``url`` is the sign-in page (the session is over)."""
        path = urlsplit(url).path
        return path.startswith(self.realm) if self.kind == "keycloak" else path.endswith(urlsplit(self.path or "").path)


class FormsFile(Strict):
    """``config/targets/<target>/<version>/forms.yaml``."""

    site: SiteRules = SiteRules()
    login: Login
    pages: dict[str, Page] = {}
    forms: dict[str, Form] = {}

    def key(self, *parts: str) -> str:
        """The dotted key of a part of this file, as messages name it: ``forms.progress.steps.M1``."""
        return ".".join(parts)
