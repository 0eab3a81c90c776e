"""The shipped content of the dictionaries: what migration 0013 seeds and what an empty kind reads as.

Kinds whose codes the code itself relies on (funding sources, project states) are `FIXED`: their
entries are renamed and reordered, never added or retired.
"""

from __future__ import annotations

from ..projects import classification as c

# kind -> (label, project field or None)
KINDS: dict[str, tuple[str, str | None]] = {
    "category": ("项目类别", "category"),
    "industry_type": ("行业类型", "industry_type"),
    "investment_policy": ("投资政策", "investment_policy"),
    "construction_mode": ("建设方式", "construction_mode"),
    "investment_mode": ("投资方式", "investment_mode"),
    "management_status": ("管理状态", "management_status"),
    "funding_source": ("资金来源", None),
    "project_state": ("审批状态", None),
    "department": ("部门简称", None),
}
FIXED = frozenset({"funding_source", "project_state"})
FIELD_KINDS = {field: kind for kind, (_label, field) in KINDS.items() if field}

# the departments' usual names and short forms; the import matches 发改委 to 发展和改革委员会 by these
DEPARTMENTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("ndrc", "发展和改革委员会", ("发改委", "发展改革委", "发改局", "发展和改革局")),
    ("finance", "财政局", ("财政",)),
    ("housing", "住房和城乡建设局", ("住建局", "住房城乡建设局")),
    ("environment", "生态环境局", ("环保局", "生态环境分局")),
    ("economy_it", "工业和信息化局", ("工信局",)),
    ("transport", "交通运输局", ("交通局",)),
    ("education", "教育局", ("教体局",)),
    ("health", "卫生健康委员会", ("卫健委",)),
    ("agriculture", "农牧局", ("农业农村局",)),
    ("water", "水务局", ("水利局",)),
    ("natural_resources", "自然资源局", ("自然资源和规划局",)),
    ("audit", "审计局", ()),
)


def shipped() -> list[dict[str, object]]:
    """Every shipped entry as a row: kind, code, name, sort_order, active, aliases."""
    rows: list[dict[str, object]] = []

    def add(kind: str, items: list[tuple[str, str, tuple[str, ...]]]) -> None:
        for order, (code, name, aliases) in enumerate(items, start=1):
            rows.append(
                {
                    "kind": kind,
                    "code": code,
                    "name": name,
                    "sort_order": order,
                    "active": True,
                    "aliases": list(aliases),
                }
            )

    for field, words in c.VOCABULARIES.items():
        if field == "industry_type":
            add(field, [(c.INDUSTRY_CODES[w], w, ()) for w in words])
        else:
            add(field, [(f"{i:02d}", w, ()) for i, w in enumerate(words, start=1)])
    add("funding_source", [(k, v, ()) for k, v in c.FUNDING_SOURCES.items()])
    add("project_state", [(k, v, ()) for k, v in c.PROJECT_STATES.items()])
    add("department", list(DEPARTMENTS))
    return rows
