"""The calendar form: the owner's input as typed, and its translation into a Policy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import msgspec

from backend.errors import InvalidInput, Problems
from backend.policy import Detail, NameFormat, Policy, Scope

E = TypeVar("E")

REFRESH_CHOICES = ((15, "15 minutes"), (30, "30 minutes"), (60, "1 hour"), (180, "3 hours"))
REFRESH_CHOICES += ((360, "6 hours"), (720, "12 hours"), (1440, "1 day"))


class CalendarForm(msgspec.Struct, kw_only=True):
    """Every value exactly as the owner entered it, so a rejected form comes back as typed."""

    name: str = ""
    # One control chooses the scope: "account", "staff:ID" or "resource:ID". A stale or
    # hand-made form may still send the bare kind with staff_id or resource_id beside it.
    scope: str = Scope.ACCOUNT.value
    staff_id: str = ""
    resource_id: str = ""
    service_ids: list[str] = msgspec.field(default_factory=list)
    event_ids: list[str] = msgspec.field(default_factory=list)
    location_ids: list[str] = msgspec.field(default_factory=list)
    details: list[str] = msgspec.field(default_factory=list)
    name_format: str = NameFormat.FULL.value
    title_mode: str = "names"
    past_days: str = "30"
    future_days: str = "365"
    cancelled: str = "remove"
    refresh_minutes: str = "60"
    description: str = ""
    color_mode: str = "none"  # "set": use `color`; a colour input always submits a value
    color: str = ""

    @classmethod
    def from_policy(cls, name: str, policy: Policy) -> CalendarForm:
        return cls(
            name=name,
            scope=scope_value(policy.scope, policy.scope_id),
            service_ids=sorted(policy.service_ids),
            event_ids=sorted(policy.event_ids),
            location_ids=sorted(policy.location_ids),
            details=sorted(policy.details),
            name_format=policy.customer_name_format.value,
            title_mode="busy" if policy.busy_only else "names",
            past_days=str(policy.past_days),
            future_days=str(policy.future_days),
            cancelled="keep" if policy.keep_cancelled else "remove",
            refresh_minutes=str(policy.refresh_minutes),
            description=policy.description or "",
            color_mode="none" if policy.color is None else "set",
            color=policy.color or "",
        )

    @classmethod
    def from_data(cls, data: Any) -> CalendarForm:
        """From a submitted form (a multi-dict with getall)."""
        single = {
            name: str(data.get(name, ""))
            for name in (
                "name",
                "scope",
                "staff_id",
                "resource_id",
                "name_format",
                "title_mode",
                "past_days",
                "future_days",
                "cancelled",
                "refresh_minutes",
                "description",
                "color_mode",
                "color",
            )
        }
        many = {
            name: [str(v) for v in data.getall(name, [])]
            for name in ("service_ids", "event_ids", "location_ids", "details")
        }
        return cls(**single, **many)

    @property
    def scope_choice(self) -> str:
        """The scope control's value this form holds (a stale form's kind and id, joined)."""
        kind, _, chosen = self.scope.partition(":")
        chosen = chosen or {"staff": self.staff_id, "resource": self.resource_id}.get(kind, "")
        return f"{kind}:{chosen}" if chosen else kind

    def to_policy(self, base: Policy, problems: Problems) -> Policy:
        """The policy the form asks for. What cannot be read is kept in `problems`, naming
        its form field, and that field keeps `base`'s value, so the rest can still be
        checked."""
        read = problems.read
        scope, scope_id = read(self._scope, (base.scope, base.scope_id))
        return msgspec.structs.replace(
            base,
            scope=scope,
            scope_id=scope_id,
            service_ids=frozenset(self.service_ids),
            event_ids=frozenset(self.event_ids),
            location_ids=frozenset(self.location_ids),
            details=read(
                lambda: frozenset(_choice(Detail, d, "details") for d in self.details),
                base.details,
            ),
            customer_name_format=read(
                lambda: _choice(NameFormat, self.name_format, "name_format"),
                base.customer_name_format,
            ),
            busy_only=self.title_mode == "busy",
            past_days=read(lambda: _number(self.past_days, "past_days"), base.past_days),
            future_days=read(lambda: _number(self.future_days, "future_days"), base.future_days),
            keep_cancelled=self.cancelled == "keep",
            refresh_minutes=read(
                lambda: _number(self.refresh_minutes, "refresh_minutes"), base.refresh_minutes
            ),
            description=_paragraphs(self.description),
            color=self.color.strip().lower() if self.color_mode == "set" else None,
        )

    def _scope(self) -> tuple[Scope, str | None]:
        """The scope and the one staff member or resource it names. Every id sent must
        agree with the chosen kind; a whole account with an id reaches the calendars
        service, which refuses it."""
        kind, _, chosen = self.scope.partition(":")
        scope = _choice(Scope, kind, "scope")
        sent = (scope, chosen), (Scope.STAFF, self.staff_id), (Scope.RESOURCE, self.resource_id)
        named = {(of, value) for of, value in sent if value}
        if len(named) > 1 or (
            scope is not Scope.ACCOUNT and any(of is not scope for of, _ in named)
        ):
            raise InvalidInput(
                "choose either the whole account, one staff member or one resource", "scope"
            )
        scope_id = next((value for _, value in named), None)
        if scope is not Scope.ACCOUNT and scope_id is None:
            what = "staff member" if scope is Scope.STAFF else "resource"
            raise InvalidInput(f"choose which {what} this calendar follows", "scope")
        return scope, scope_id


def scope_value(scope: Scope, scope_id: str | None) -> str:
    """The scope control's value for a scope: "account", "staff:ID" or "resource:ID"."""
    return scope.value if scope is Scope.ACCOUNT else f"{scope.value}:{scope_id or ''}"


def form_field(field: str | None) -> str:
    """The form field an InvalidInput from the calendars service points at."""
    name = (field or "").removeprefix("policy.")
    return {"scope_id": "scope"}.get(name, name)


def _paragraphs(value: str) -> str | None:
    # Browsers send a textarea's line breaks as CRLF: keep one character per line break.
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    return text or None


def _choice(kind: Callable[[str], E], value: str, field: str) -> E:
    try:
        return kind(value)
    except ValueError as error:
        raise InvalidInput("choose one of the choices offered", field) from error


def _number(value: str, field: str) -> int:
    try:
        return int(value.strip())
    except ValueError as error:
        raise InvalidInput("enter a whole number", field) from error
