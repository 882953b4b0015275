"""The demo street's community tree, with buildings numbered through each community."""
from __future__ import annotations

STREET = "东大街街道"

# community → buildings per grid (第一网格, 第二网格, …)
COMMUNITIES = {
    "幸福里社区": (4, 3, 3),
    "建设路社区": (3, 4),
    "新华社区": (3, 3, 2),
    "公园社区": (4, 3),
    "跃进社区": (3, 3, 2, 3),
}

GRID_NAMES = ("第一网格", "第二网格", "第三网格", "第四网格", "第五网格")
