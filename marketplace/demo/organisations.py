"""The demo street's organisations: who runs them, where they are, and how far verification got."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoOrganisation:
    name: str
    type: str
    where: str
    admin_phone: str
    address: str
    contact_phone: str
    description: str
    staff_phones: tuple[str, ...] = ()
    status: str = "verified"
    rejection_reason: str = ""


PARTY_CENTRE = "东大街街道党群服务中心"
XINGFULI_OFFICE = "幸福里社区居委会"
JIANSHELU_OFFICE = "建设路社区居委会"
XINHUA_OFFICE = "新华社区居委会"
GONGYUAN_OFFICE = "公园社区居委会"
YUEJIN_OFFICE = "跃进社区居委会"
XINGFULI_PARTY_BRANCH = "幸福里社区党支部"
SCHOOL = "东大街第一小学"
CLINIC = "东大街社区卫生服务中心"
BANK = "农商银行东大街支行"
PROPERTY_COMPANY = "幸福物业服务中心"
SOCIAL_WORK = "阳光社会工作服务社"
SENIOR_COLLEGE = "东大街老年大学"
LIBRARY = "区图书馆东大街分馆"

ORGANISATIONS = (
    DemoOrganisation(
        PARTY_CENTRE, "party_branch", "东大街街道", "13800000006", "东大街88号", "6688-1000",
        "街道党工委主办的党群服务阵地，向辖区党员、群众和各类组织免费开放。中心设有多功能厅、会议室、"
        "党员活动室和共享自习室，常年提供法律咨询、心理疏导和政策咨询服务。",
        staff_phones=("13800000030",)),
    DemoOrganisation(
        XINGFULI_OFFICE, "community_office", "幸福里社区", "13800000002", "幸福里小区5号楼一层", "6688-1101",
        "幸福里社区居民委员会，服务幸福里小区及周边约三千户居民。活动室、会议室和阅览室在工作时间外也向"
        "居民团队开放，欢迎预约。",
        staff_phones=("13800000003",)),
    DemoOrganisation(
        JIANSHELU_OFFICE, "community_office", "建设路社区", "13800000007", "建设路126号", "6688-1102",
        "建设路社区居民委员会。社区党群服务站有活动室、舞蹈排练厅和书画室，老年食堂每天中午供应午餐。"),
    DemoOrganisation(
        XINHUA_OFFICE, "community_office", "新华社区", "13800000008", "新华路45号", "6688-1103",
        "新华社区居民委员会。社区“儿童之家”和“四点半课堂”为双职工家庭解决放学后的看护难题。"),
    DemoOrganisation(
        GONGYUAN_OFFICE, "community_office", "公园社区", "13800000009", "公园路17号", "6688-1104",
        "公园社区居民委员会，紧邻人民公园。活动中心大厅是社区合唱团和太极拳队的固定据点。"),
    DemoOrganisation(
        YUEJIN_OFFICE, "community_office", "跃进社区", "13800000010", "跃进路3号院", "6688-1105",
        "跃进社区居民委员会，辖区以老旧小区为主，老年居民较多，社区长期开展助老服务。"),
    DemoOrganisation(
        XINGFULI_PARTY_BRANCH, "party_branch", "幸福里社区", "13800000011", "幸福里小区5号楼二层", "6688-1201",
        "幸福里社区党支部，现有党员86名，其中在职党员回社区报到42名。支部组织党员志愿者为行动不便的老人"
        "上门帮办，每月举办一次红色电影放映。"),
    DemoOrganisation(
        SCHOOL, "resident_unit", "建设路社区/第二网格", "13800000012", "建设路140号", "6688-2001",
        "区属公办小学，与社区签订共驻共建协议，周末向居民开放操场、篮球场和部分教室。"),
    DemoOrganisation(
        CLINIC, "resident_unit", "公园社区/第一网格", "13800000013", "公园路9号", "6688-2002",
        "政府举办的基层医疗机构，提供家庭医生签约、慢病管理和上门护理。每天上午在大厅提供免费的"
        "血压、血糖测量。",
        staff_phones=("13800000031",)),
    DemoOrganisation(
        BANK, "resident_unit", "新华社区/第二网格", "13800000014", "东大街120号", "6688-2003",
        "驻区金融单位，网点二楼培训室在周末向社区开放，营业厅设有户外劳动者爱心驿站。"),
    DemoOrganisation(
        PROPERTY_COMPANY, "enterprise", "幸福里社区", "13800000015", "幸福里小区北门物业楼", "6688-3001",
        "负责幸福里小区的物业服务，提供家电维修和便民工具借用，业主共享会客室可预约使用。"),
    DemoOrganisation(
        SOCIAL_WORK, "social_organisation", "跃进社区", "13800000016", "跃进路3号院7号楼一层", "6688-4001",
        "民办非企业单位，承接街道的助老、青少年和家庭服务项目，有持证社工6名。"),
    DemoOrganisation(
        SENIOR_COLLEGE, "resident_unit", "新华社区/第一网格", "13800000017", "新华路60号", "6688-2004",
        "街道老年大学，开设书法、合唱、智能手机、太极拳等课程，学员以辖区退休居民为主。"),
    DemoOrganisation(
        LIBRARY, "resident_unit", "公园社区/第二网格", "13800000018", "公园路21号", "6688-2005",
        "区图书馆在东大街的分馆，藏书两万余册，提供阅览座位、研讨间和少儿故事会，凭居民账号即可预约。"),
    DemoOrganisation(
        "东大街青年创客空间", "enterprise", "建设路社区", "13800000019", "建设路88号三层", "6688-3002",
        "面向青年创业团队的共享办公空间，计划在工作日晚间向社区开放路演厅和会议室。",
        status="pending"),
    DemoOrganisation(
        "乐享棋牌茶社", "enterprise", "跃进社区", "13800000020", "跃进路15号", "6688-3003",
        "经营棋牌和茶饮，希望把包间作为社区活动场地出租。",
        status="rejected",
        rejection_reason="营业执照照片不清晰，且经营范围不含公益服务，请补充材料并说明向居民开放的方式后重新申请。"),
)
