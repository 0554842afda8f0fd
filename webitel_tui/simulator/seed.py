"""Deterministic demo data: the same seed always gives the same users, roles and licenses."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from webitel_tui.simulator.model import SimDevice, SimLicense, SimRole, SimUser

UKRAINIAN_FIRST = (
    "Olena", "Andrii", "Oleksandr", "Maria", "Iryna", "Dmytro", "Nataliia", "Serhii", "Yuliia",
    "Taras", "Oksana", "Bohdan", "Kateryna", "Volodymyr", "Sofiia", "Mykola", "Anastasiia",
    "Yaroslav", "Halyna", "Vasyl", "Larysa", "Petro", "Tetiana", "Ihor", "Viktoriia", "Roman",
    "Khrystyna", "Artem", "Daryna", "Maksym",
)  # fmt: skip
UKRAINIAN_LAST = (
    "Kovalenko", "Bondarenko", "Tkachenko", "Kravchenko", "Oliinyk", "Shevchuk", "Koval",
    "Polishchuk", "Boiko", "Tkachuk", "Savchenko", "Rudenko", "Moroz", "Lysenko", "Marchenko",
    "Petrenko", "Kuzmenko", "Pavlenko", "Ponomarenko", "Hnatiuk", "Vasylenko", "Karpenko",
    "Levchenko", "Zinchenko", "Kostenko", "Melnychuk", "Romaniuk", "Yaremchuk", "Melnyk",
    "Shevchenko",
)  # fmt: skip
ENGLISH_FIRST = (
    "James", "Emily", "Michael", "Sarah", "David", "Jessica", "Daniel", "Laura", "Thomas",
    "Emma", "Christopher", "Olivia", "Matthew", "Hannah", "Andrew", "Sophie", "Richard",
    "Charlotte", "Robert", "Grace",
)  # fmt: skip
ENGLISH_LAST = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Taylor", "Wilson", "Evans", "Thomas",
    "Roberts", "Walker", "Wright", "Robinson", "Thompson", "White", "Hughes", "Edwards",
    "Green", "Hall", "Wood",
)  # fmt: skip

COLLIDING_NAMES = ("Olena Kovalenko", "Andrii Melnyk", "Oleksandr Shevchenko", "Maria Tkachenko")
"""Always seeded (ids 2-5): they match CRM demo contacts so that import can be tested."""
WITHOUT_DEVICE = frozenset({"Andrii Melnyk"})
HOTDESKS = 3
"""Hotdesk devices seeded after the users' own devices."""

ROLE_NAMES = (
    ("admin", "Domain administrators"),
    ("agents", "Contact center agents"),
    ("supervisors", "Queue supervisors"),
    ("managers", "Contact center managers"),
    ("readonly", "Read-only access"),
    ("chat operators", "Chat and messaging operators"),
)
ADMIN_ROLE, AGENTS, SUPERVISORS, MANAGERS, READONLY, CHAT = range(1, 7)


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


SEED_EPOCH = ms(datetime(2024, 1, 15, 9, 0, tzinfo=UTC))
LICENSE_START = ms(datetime(2024, 1, 1, tzinfo=UTC))
LICENSE_END = ms(datetime(2031, 1, 1, tzinfo=UTC))
LICENSE_EXPIRED = ms(datetime(2024, 12, 31, tzinfo=UTC))


@dataclass
class SeedData:
    users: list[SimUser] = field(default_factory=list)
    roles: list[SimRole] = field(default_factory=list)
    licenses: list[SimLicense] = field(default_factory=list)
    devices: list[SimDevice] = field(default_factory=list)


def _serial(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _names(rng: random.Random, count: int) -> list[str]:
    out: list[str] = []
    while len(out) < count:
        if rng.random() < 0.6:
            full = f"{rng.choice(UKRAINIAN_FIRST)} {rng.choice(UKRAINIAN_LAST)}"
        else:
            full = f"{rng.choice(ENGLISH_FIRST)} {rng.choice(ENGLISH_LAST)}"
        if full in COLLIDING_NAMES:
            # Keep the colliding names unique on the Webitel side: the CRM makes them ambiguous.
            continue
        out.append(full)
    return out


def _initials(n: int) -> str:
    """A middle part for the n-th repeat of a name (1: "A.", 26: "Z.", 27: "A. A.", ...)."""
    letters: list[str] = []
    while n > 0:
        n, digit = divmod(n - 1, 26)
        letters.append(f"{chr(ord('A') + digit)}.")
    return " ".join(reversed(letters))


def _distinct(names: list[str]) -> list[str]:
    """The names as shown, each once: a repeat gets middle initials ("Taras A. Koval"). The
    import links by name, and a namesake of a contact that already belongs to a Webitel user
    is a conflict; so that every seeded user can be imported, the seed has no namesakes (the
    draws are unchanged, and so is everything seeded after them)."""
    seen: dict[str, int] = {}
    shown: list[str] = []
    for full in names:
        repeat = seen.get(full, 0)
        seen[full] = repeat + 1
        first, last = full.split(" ", 1)
        shown.append(f"{first} {_initials(repeat)} {last}" if repeat else full)
    return shown


def _username(full_name: str, used: set[str]) -> str:
    base = full_name.lower().replace(" ", ".")
    candidate, n = base, 1
    while candidate in used:
        n += 1
        candidate = f"{base}{n}"
    used.add(candidate)
    return candidate


def build_seed(
    *,
    users: int,
    seed: int,
    admin_username: str,
    admin_password: str,
    domain: str,
    user_password: str,
) -> SeedData:
    """``users`` counts every user, the administrator and the colliding names included."""
    rng = random.Random(seed)
    data = SeedData()
    data.roles = [SimRole(id=i, name=n, description=d) for i, (n, d) in enumerate(ROLE_NAMES, 1)]
    total = max(users, 1 + len(COLLIDING_NAMES))
    regular = total - 1

    licenses = {
        "OPERATOR": SimLicense(
            _serial(rng), "OPERATOR", "Operator", max(10, regular * 8 // 10),
            LICENSE_START, LICENSE_END, ["users", "calls"],
        ),
        "SUPERVISOR": SimLicense(
            _serial(rng), "SUPERVISOR", "Supervisor", 0, LICENSE_START, LICENSE_END,
            ["queues", "agents"],
        ),
        "MANAGER": SimLicense(
            _serial(rng), "MANAGER", "Manager", 25, LICENSE_START, LICENSE_END, ["reports"],
        ),
        "CHAT": SimLicense(
            _serial(rng), "CHAT", "Chat", 50, LICENSE_START, LICENSE_EXPIRED, ["chats"],
        ),
        "DEVICE": SimLicense(
            _serial(rng), "DEVICE", "Device", regular * 2, LICENSE_START, LICENSE_END,
            ["devices"],
        ),
    }  # fmt: skip

    used_names: set[str] = {admin_username}
    admin = SimUser(
        id=1,
        name="Administrator",
        username=admin_username,
        password=admin_password,
        extension="100",
        email=f"{admin_username}@{domain}.example",
        chat_name="Administrator",
        roles=[ADMIN_ROLE],
        is_admin=True,
        created_at=SEED_EPOCH,
        updated_at=SEED_EPOCH,
    )
    data.users.append(admin)
    names = list(COLLIDING_NAMES) + _names(rng, regular - len(COLLIDING_NAMES))
    shown = _distinct(names)
    for offset, full_name in enumerate(names):
        user_id = offset + 2
        username = _username(full_name, used_names)
        created = SEED_EPOCH + user_id * 37 * 60_000
        user = SimUser(
            id=user_id,
            name=shown[offset],
            username=username,
            password=user_password,
            extension=str(1000 + user_id),
            email=f"{username}@{domain}.example",
            chat_name=full_name.split(" ")[0],
            presence=rng.choice(("online", "offline", "offline", "busy", "")),
            created_at=created,
            updated_at=created,
        )
        if user.presence == "busy":
            # Derived, not drawn: a new draw would change every user seeded after this one.
            user.presence_note, user.presence_expires = "In a meeting", 3600
        roll = rng.random()
        if roll < 0.70:
            user.roles.append(AGENTS)
            _grant(user, licenses["OPERATOR"], created)
        elif roll < 0.85:
            user.roles.append(SUPERVISORS)
            licenses["SUPERVISOR"].limit += 1  # every grant taken: the license is exhausted
            _grant(user, licenses["SUPERVISOR"], created)
        elif roll < 0.90:
            user.roles.append(MANAGERS)
            _grant(user, licenses["MANAGER"], created)
        elif roll < 0.95:
            user.roles.append(READONLY)
        if rng.random() < 0.1:
            user.roles.append(CHAT)
            _grant(user, licenses["CHAT"], created)
        no_device = full_name in WITHOUT_DEVICE or (
            full_name not in COLLIDING_NAMES and rng.random() < 0.12
        )
        if not no_device:
            device = SimDevice(
                id=len(data.devices) + 1,
                name=username,
                account=username,
                password=f"sip-{rng.getrandbits(48):012x}",
                user_id=user_id,
                brand=rng.choice(("Yealink", "Grandstream", "Webitel web phone", "Snom")),
                created_at=created,
                updated_at=created,
            )
            data.devices.append(device)
            user.devices.append(device.id)
            user.device = device.id
            _grant(user, licenses["DEVICE"], created)
        data.users.append(user)
    data.devices += _hotdesks(data.users[1 + len(COLLIDING_NAMES) :], len(data.devices))
    data.licenses = list(licenses.values())
    return data


def _hotdesks(users: list[SimUser], last_id: int) -> list[SimDevice]:
    """Shared desk phones (``hotdesk``, with aliases in ``hotdesks``), one user signed in on
    each since ``logged_in`` (unix ms, an int64: a string on the wire). Users sign in to a
    hotdesk, so it is not one of their ``devices``; made without drawing random numbers."""
    desks = []
    for number, user in enumerate(users[:HOTDESKS], 1):
        desks.append(
            SimDevice(
                id=last_id + number,
                name=f"hotdesk-{number}",
                account=f"hotdesk-{number}",
                password=f"sip-hotdesk-{number}",
                user_id=user.id,
                logged_in=user.created_at + 8 * 3600 * 1000,
                hotdesk=True,
                hotdesks=[f"room-{number}", f"room-{number}b"],
                brand="Yealink",
                created_at=user.created_at,
                updated_at=user.created_at,
            )
        )
    return desks


def _grant(user: SimUser, license_: SimLicense, when: int) -> None:
    if license_.remain > 0:
        license_.used += 1
        user.licenses[license_.id] = when
