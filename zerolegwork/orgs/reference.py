"""Reference data: the city and its districts and counties, in the order the statistics table uses."""

from __future__ import annotations

CITY = ("150200", "市本级")
# The original city's districts and counties, in its order (MISSION.md); administrative division
# codes of GB/T 2260, except 开发区 which has none and uses a local code.
DISTRICTS = [
    ("150202", "东河区"),
    ("150204", "青山区"),
    ("150203", "昆区"),
    ("150207", "九原区"),
    ("150271", "开发区"),
    ("150221", "土右旗"),
    ("150205", "石拐区"),
    ("150222", "固阳县"),
    ("150206", "白云矿区"),
    ("150223", "达茂旗"),
]

# Department types; city level has all, each district has finance and ndrc (and its admin office).
DEPT_TYPES = {
    "finance": "财政局",
    "ndrc": "发展和改革委员会",
    "environment": "生态环境局",
    "economy_it": "工业和信息化局",
    "housing": "住房和城乡建设局",
}
DISTRICT_DEPT_TYPES = ("finance", "ndrc")
