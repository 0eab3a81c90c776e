"""Reference data: the seed's city and its districts and counties, and the labels of each level's tables.

An installation's own tree comes from `flask zlw setup FILE` (docs/setup.md); these are the seed's.
"""

from __future__ import annotations

CITY = ("150200", "市本级")
CITY_AREA = "包头市"  # what the city's tables print as 项目地区; its own projects' region is 市本级
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

# The levels of the region tree, top down, and the regional table's words for a region of each level:
# the row of its own projects (本级) and the subtotal of the regions below it (the prescribed format).
LEVELS = ("province", "city", "district")
OWN_LABELS = {"province": "省本级", "city": "市本级", "district": "区县本级"}
CHILDREN_LABELS = {"province": "盟市汇总", "city": "旗县汇总", "district": "汇总"}

# The default structure of a department the set-up creates (its administrator changes it afterwards).
DEFAULT_UNIT = "投资审查科"
DEFAULT_LEVELS = ("经办", "科长", "分管领导")
DEFAULT_CHAINS = {"approval": ("经办",), "verification": ("经办", "科长"), "filing": ("经办",)}
