"""我的工作台: what each person must do next, each thing with its deadline and a link to where it is done.

Accounts sits below the apps that know the work, so each app registers its lists in AppConfig.ready()
(``desk_register``), as it registers its navigation. A provider is a function of the person returning
``DeskItem``s; the desk sorts them by deadline (soonest first, none last), filters them by the search box and
shows them a page at a time.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.utils import timezone
from django.utils.functional import Promise

PAGE_SIZE = 10


@dataclass(frozen=True)
class DeskItem:
    """One thing to do: ``action`` on ``title``, at ``url``, by ``deadline``."""

    title: str
    url: str
    action: str | Promise = ""
    deadline: dt.datetime | dt.date | None = None
    detail: str = ""  # small print: deal code, section, state
    count: int | None = None  # a summary row ("3 projects in publicity") instead of a task

    @property
    def summary(self) -> bool:
        return self.count is not None

    @property
    def overdue(self) -> bool:
        if self.deadline is None:
            return False
        if isinstance(self.deadline, dt.datetime):
            return self.deadline < timezone.now()
        return self.deadline < timezone.localdate()

    def sort_key(self):
        if self.deadline is None:
            return (1, dt.datetime.max.replace(tzinfo=dt.UTC))
        when = self.deadline
        if not isinstance(when, dt.datetime):
            when = timezone.make_aware(dt.datetime.combine(when, dt.time(23, 59)))
        return (0, when)


Provider = Callable[[object], Iterable[DeskItem]]


@dataclass(frozen=True)
class DeskList:
    key: str
    heading: str | Promise
    provider: Provider
    empty: str | Promise
    order: int = 100
    sort: bool = True  # by deadline; summaries keep their own order
    more: Callable[[object], str] | None = None  # the full list's address, for the link under the list


_DESK: dict[str, list[DeskList]] = {}


def desk_register(roles: Iterable[str], *, key: str, heading, provider: Provider, empty, order: int = 100,
                  sort: bool = True, more: Callable[[object], str] | None = None) -> None:
    """Add a list to the desks of ``roles`` (called from an app's AppConfig.ready())."""
    for role in roles:
        lists = _DESK.setdefault(str(role), [])
        if any(existing.key == key for existing in lists):
            raise ValueError(f"desk list {key!r} registered twice for {role}")
        lists.append(DeskList(key, heading, provider, empty, order, sort, more))
        lists.sort(key=lambda item: item.order)


@dataclass
class DeskSection:
    key: str
    heading: str | Promise
    empty: str | Promise
    page: object  # a Paginator page of DeskItems
    total: int
    more_url: str = ""
    page_param: str = field(init=False)

    @property
    def summary(self) -> bool:
        """A list of counts ("38 contract signed") rather than of things to do."""
        return any(item.summary for item in self.page.object_list)

    def __post_init__(self):
        self.page_param = f"{self.key}_page"


def desk_for(user, *, query: str = "", pages: dict[str, str] | None = None) -> list[DeskSection]:
    """The person's lists, filtered by ``query`` (in title, detail or action) and paged."""
    sections = []
    needle = query.strip().lower()
    for desk_list in _DESK.get(str(user.role), []):
        items = list(desk_list.provider(user))
        if needle:
            items = [i for i in items if needle in f"{i.title} {i.detail} {i.action}".lower()]
        if desk_list.sort:
            items.sort(key=DeskItem.sort_key)
        page = Paginator(items, PAGE_SIZE).get_page((pages or {}).get(f"{desk_list.key}_page"))
        sections.append(DeskSection(desk_list.key, desk_list.heading, desk_list.empty, page, len(items),
                                    desk_list.more(user) if desk_list.more else ""))
    return sections
