"""The demo street's people: the known demo logins and the residents around them."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoPerson:
    phone: str
    display_name: str
    home: str
    volunteer: bool = False
    party_member: bool = False
    email: str | None = None


@dataclass(frozen=True)
class DemoLogin:
    role: str
    person: DemoPerson
    password: str
    who: str
    platform_admin: bool = False

    @property
    def login(self) -> str:
        return self.person.email or self.person.phone


# Everyone else signs in with their phone number and this password.
RESIDENT_PASSWORD = "demo-resident-2026"
DEMO_RESIDENT_PHONE = "13800000005"

DEMO_LOGINS = (
    DemoLogin("platform_admin", DemoPerson("13800000001", "东大街平台管理员", "新华社区/2号楼", party_member=True,
                                           email="admin@demo.cn"),
              "demo-admin-2026", "平台管理员：审核组织、管理用户和资源、查看审计日志", platform_admin=True),
    DemoLogin("organisation_admin", DemoPerson("13800000002", "李红梅", "幸福里社区/5号楼", party_member=True),
              "demo-org-2026", "李红梅，幸福里社区居委会主任（组织管理员）"),
    DemoLogin("staff", DemoPerson("13800000003", "赵志远", "幸福里社区/8号楼", volunteer=True),
              "demo-staff-2026", "赵志远，幸福里社区居委会社工（工作人员）"),
    DemoLogin("volunteer", DemoPerson("13800000004", "孙建华", "幸福里社区/3号楼", volunteer=True, party_member=True),
              "demo-volunteer-2026", "孙建华，退休律师，以个人志愿者身份提供法律咨询"),
    DemoLogin("resident", DemoPerson(DEMO_RESIDENT_PHONE, "王秀英", "幸福里社区/2号楼"),
              RESIDENT_PASSWORD, "王秀英，幸福里社区居民"),
)

DEMO_ACCOUNTS = [
    {"role": entry.role, "login": entry.login, "password": entry.password, "who": entry.who} for entry in DEMO_LOGINS
]

# Residents 13800000006 onwards, in order; the first twenty run or staff an organisation or offer a skill.
_RESIDENT_NAMES = (
    "李建国", "张桂兰", "刘志强", "陈淑珍", "杨明", "赵丽华", "黄伟", "周玉梅", "吴建华", "徐静",
    "孙海涛", "马凤英", "朱晓东", "胡春花", "郭志刚", "何丽娟", "高建军", "林晓燕", "罗国庆", "郑美玲",
    "梁浩", "谢秀兰", "宋佳怡", "唐文斌", "韩雪", "冯德华", "于红梅", "董磊", "萧雅琴", "程立新",
    "曹玉兰", "袁子轩", "邓雨桐", "许卫东", "傅雅婷", "沈国平", "曾小芳", "彭振华", "吕欣怡", "蒋爱民",
)
RESIDENT_PHONES = tuple(f"138000000{n:02d}" for n in range(6, 6 + len(_RESIDENT_NAMES)))
RESIDENT_NAMES = dict(zip(RESIDENT_PHONES, _RESIDENT_NAMES))

# Residents who offer their own skills must be volunteers whatever the dice say.
VOLUNTEER_PHONES = {"13800000004", "13800000026", "13800000027", "13800000028", "13800000029"}
