"""The demo street's listings: what each organisation and volunteer offers, when, and on what terms."""
from __future__ import annotations

from dataclasses import dataclass

from marketplace.demo import organisations as org

WEEKDAYS = (0, 1, 2, 3, 4)
WEEKEND = (5, 6)
MONDAY_TO_SATURDAY = (0, 1, 2, 3, 4, 5)
TUESDAY_TO_SUNDAY = (1, 2, 3, 4, 5, 6)
EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)

OFFICE_HOURS = ((WEEKDAYS, "09:00-17:00"),)
OFFICE_AND_EVENINGS = ((WEEKDAYS, "09:00-17:00"), ((1, 3), "19:00-21:00"))
EVENINGS_AND_WEEKENDS = ((WEEKDAYS, "19:00-21:00"), (WEEKEND, "09:00-21:00"))
SCHOOL_WEEKENDS = ((WEEKEND, "08:30-17:00"),)
CLINIC_MORNINGS = ((MONDAY_TO_SATURDAY, "08:00-11:30"),)

# Exceptions, placed on real dates at seed time: the next public holiday closed, an extra Saturday
# morning for rooms that are normally shut at weekends, a closed afternoon for maintenance.
HOLIDAY = "holiday"
EXTRA_SATURDAY = "extra_saturday"
MAINTENANCE = "maintenance"

ROOM_RULES = ("请按预约时间使用，提前10分钟到社区服务台领取钥匙。使用后请恢复桌椅、关闭空调和灯光。"
              "室内禁止吸烟，不得开展营利性活动。")
HALL_RULES = ("活动需有负责人全程在场，人数不得超过场地容量。如需使用音响、投影请提前说明。"
              "活动结束后请清理垃圾，恢复场地原状。")
SCHOOL_RULES = ("仅限周末开放，入校请出示预约记录并配合门卫登记。禁止在校园内吸烟、饮酒和遛狗。"
                "未成年人须由家长陪同。")
SEAT_RULES = "保持安静，手机调至静音。座位保留15分钟，超时未到将释放给其他居民。"
CLASS_RULES = "请准时到场，每次课前10分钟签到。连续两次无故缺席将暂停预约资格一个月。"
HOME_VISIT_RULES = "上门服务需家中有人在场，请提前说明地址、楼层和需求。服务人员会出示工作证。"


def _room(**overrides) -> dict:
    """A room one group has to itself."""
    return {"capacity": 1, "slot_minutes": 60, "min_duration_minutes": 60, "max_duration_minutes": 240,
            "buffer_minutes": 15, "min_notice_minutes": 120, "max_advance_days": 30, "cancel_cutoff_minutes": 240,
            **overrides}


def _meeting_room(**overrides) -> dict:
    return {"capacity": 1, "slot_minutes": 30, "min_duration_minutes": 60, "max_duration_minutes": 180,
            "buffer_minutes": 10, "min_notice_minutes": 60, "max_advance_days": 30, "cancel_cutoff_minutes": 120,
            **overrides}


def _seats(count: int, **overrides) -> dict:
    """A room shared seat by seat (reading rooms, study halls)."""
    return {"people": count, "capacity": count, "slot_minutes": 60, "min_duration_minutes": 60,
            "max_duration_minutes": 240,
            "buffer_minutes": 0, "min_notice_minutes": 30, "max_advance_days": 7, "cancel_cutoff_minutes": 30,
            **overrides}


def _sessions(count: int, minutes: int, **overrides) -> dict:
    """Fixed-length sessions with ``count`` places each (classes, talks)."""
    return {"people": count, "capacity": count, "slot_minutes": minutes, "min_duration_minutes": minutes,
            "max_duration_minutes": minutes, "buffer_minutes": 0, "min_notice_minutes": 60, "max_advance_days": 14,
            "cancel_cutoff_minutes": 120, **overrides}


def _consultation(minutes: int = 30, **overrides) -> dict:
    return {"capacity": 1, "slot_minutes": minutes, "min_duration_minutes": minutes,
            "max_duration_minutes": minutes * 2, "buffer_minutes": 0, "min_notice_minutes": 120,
            "max_advance_days": 14, "cancel_cutoff_minutes": 120, **overrides}


def _home_visit(**overrides) -> dict:
    return {"capacity": 1, "slot_minutes": 60, "min_duration_minutes": 60, "max_duration_minutes": 120,
            "buffer_minutes": 30, "min_notice_minutes": 24 * 60, "max_advance_days": 14,
            "cancel_cutoff_minutes": 12 * 60, "instant_booking": False, **overrides}


@dataclass(frozen=True)
class DemoListing:
    kind: str
    title: str
    where: str
    description: str
    hours: tuple
    settings: dict
    tags: tuple[str, ...] = ()
    facilities: tuple[str, ...] = ()
    rules: str = ""
    exceptions: tuple[str, ...] = ()
    status: str = "published"
    suspension_reason: str = ""
    address: str = ""


def _space(title, where, description, hours, settings, **more) -> DemoListing:
    return DemoListing("space", title, where, description, hours, settings, **more)


def _skill(title, where, description, hours, settings, **more) -> DemoListing:
    return DemoListing("skill", title, where, description, hours, settings, **more)


def _service(title, where, description, hours, settings, **more) -> DemoListing:
    return DemoListing("service", title, where, description, hours, settings, **more)


ORGANISATION_LISTINGS: dict[str, tuple[DemoListing, ...]] = {
    org.PARTY_CENTRE: (
        _space("党群服务中心多功能厅", "新华社区/第一网格",
               "位于党群服务中心一楼，面积约200平方米，可容纳120人。配有LED大屏、音响和无线话筒，"
               "适合举办讲座、文艺汇演和居民议事会。大型活动请至少提前一周预约。",
               ((EVERY_DAY, "08:30-21:00"),),
               _room(people=120, max_duration_minutes=300, buffer_minutes=30, instant_booking=False,
                     min_notice_minutes=3 * 24 * 60),
               tags=("讲座", "文艺演出", "议事会", "大型活动"),
               facilities=("projector", "sound", "air_conditioning", "wheelchair", "water", "wifi", "elevator"),
               rules=HALL_RULES, exceptions=(HOLIDAY,), address="东大街88号党群服务中心一楼"),
        _space("党群服务中心会议室（二楼）", "新华社区/第一网格",
               "二楼小会议室，一张长桌可坐20人，配投影和白板。适合社会组织开会、居民小组议事、"
               "志愿者培训。工作日晚上也可预约。",
               ((WEEKDAYS, "08:30-17:30"), (WEEKDAYS, "19:00-21:00")),
               _meeting_room(people=20),
               tags=("会议", "培训", "议事"),
               facilities=("projector", "whiteboard", "air_conditioning", "wifi", "elevator"),
               rules=ROOM_RULES, exceptions=(HOLIDAY,), address="东大街88号党群服务中心二楼"),
        _space("党员活动室", "新华社区/第一网格",
               "党员活动室布置有入党誓词墙和党建书架，可容纳30人。优先用于支部主题党日、"
               "党课和“三会一课”，其他时间也向群众团队开放。",
               ((WEEKDAYS, "09:00-17:00"), ((5,), "09:00-12:00")),
               _room(people=30, instant_booking=False),
               tags=("主题党日", "党课", "三会一课"),
               facilities=("projector", "sound", "air_conditioning", "water"),
               rules=ROOM_RULES, address="东大街88号党群服务中心三楼"),
        _space("共享自习室", "新华社区/第一网格",
               "安静明亮的共享自习室，共24个座位，每个座位都有台灯和电源插座。学生备考、"
               "上班族充电学习都可以来，按小时预约座位。到场请扫门口的二维码签到，开始15分钟后仍未签到的座位会自动释放。",
               ((EVERY_DAY, "08:30-21:00"),),
               _seats(24, requires_check_in=True, check_in_opens_minutes=15, release_after_minutes=15),
               tags=("自习", "备考", "安静"),
               facilities=("air_conditioning", "water", "wifi", "elevator"),
               rules=SEAT_RULES, address="东大街88号党群服务中心三楼"),
        _skill("律师坐班法律咨询", "新华社区/第一网格",
               "由街道公共法律服务工作站的执业律师坐班，解答婚姻家庭、劳动争议、房屋租赁、"
               "邻里纠纷等法律问题。请带上相关材料，每人每次30分钟。",
               (((2,), "14:00-17:00"), ((5,), "09:00-11:30")),
               _consultation(),
               tags=("法律咨询", "律师", "劳动争议", "婚姻家庭"),
               rules="咨询内容严格保密。律师只提供法律意见，不代写诉状。"),
        _skill("心理疏导（一对一）", "新华社区/第一网格",
               "国家二级心理咨询师提供一对一倾听和疏导，帮助缓解焦虑、失眠、亲子关系紧张等困扰。"
               "首次预约需经工作人员确认，谈话内容严格保密。",
               (((1, 3), "19:00-21:00"),),
               _consultation(60, max_duration_minutes=60, instant_booking=False),
               tags=("心理咨询", "情绪", "亲子关系")),
        _service("政策咨询与办事代办", "新华社区/第一网格",
                 "社保、医保、养老补贴、残疾人证办理等政策咨询，行动不便的居民可委托工作人员代办。"
                 "请预约后携带身份证和户口本到服务台。",
                 OFFICE_HOURS,
                 _consultation(20, max_duration_minutes=40, min_notice_minutes=30),
                 tags=("社保", "医保", "代办", "养老补贴"), exceptions=(HOLIDAY,)),
    ),
    org.XINGFULI_OFFICE: (
        _space("幸福里多功能活动室", "幸福里社区/5号楼",
               "社区居委会一楼的多功能活动室，约80平方米，可容纳40人。合唱团、舞蹈队、"
               "亲子活动和小型讲座都在这里举行。工作日白天和周二、周四晚上开放。",
               OFFICE_AND_EVENINGS,
               _room(people=40, instant_booking=False),
               tags=("活动室", "合唱", "舞蹈", "亲子"),
               facilities=("sound", "air_conditioning", "wheelchair", "water", "mirror"),
               rules=ROOM_RULES, exceptions=(HOLIDAY, EXTRA_SATURDAY)),
        _space("幸福里社区会议室", "幸福里社区/5号楼",
               "可坐12人的小会议室，适合楼栋长会议、业委会议事和志愿者碰头会。即订即用，无需审核。",
               OFFICE_AND_EVENINGS,
               _meeting_room(people=12),
               tags=("会议", "业委会", "楼栋长"),
               facilities=("whiteboard", "air_conditioning", "wifi"),
               rules=ROOM_RULES, exceptions=(HOLIDAY, MAINTENANCE)),
        _space("幸福里阅览室", "幸福里社区/5号楼",
               "16个座位的社区阅览室，订有报纸杂志二十余种，另有图书馆流动书架每月更新。"
               "老人读报、孩子写作业都很合适。",
               ((TUESDAY_TO_SUNDAY, "09:00-17:00"),),
               _seats(16),
               tags=("阅读", "报刊", "图书"),
               facilities=("air_conditioning", "water", "wifi"),
               rules=SEAT_RULES),
        _space("3号楼一层共享厨房", "幸福里社区/3号楼",
               "由闲置的自行车棚改造的共享厨房，配有燃气灶、烤箱和六人餐桌。邻里聚餐、"
               "包饺子、给独居老人做饭都可以预约，使用需消耗志愿积分。",
               ((WEEKDAYS, "16:00-20:00"), (WEEKEND, "09:00-20:00")),
               _room(people=6, min_duration_minutes=120, max_duration_minutes=240, buffer_minutes=30,
                     fee_type="points", fee_amount=5),
               tags=("共享厨房", "邻里聚餐", "包饺子"),
               facilities=("water", "first_aid"),
               rules="使用后请清洗灶具、带走厨余垃圾。离开前务必关闭燃气总阀。", address="幸福里小区3号楼一层"),
        _space("幸福里棋牌室", "幸福里社区/7号楼",
               "7号楼架空层的棋牌室，有6张牌桌，象棋、围棋、扑克齐全，按桌预约。严禁赌博。",
               ((EVERY_DAY, "13:30-21:00"),),
               _seats(6, people=24, slot_minutes=30, max_duration_minutes=180),
               tags=("棋牌", "象棋", "围棋"),
               facilities=("air_conditioning", "water"),
               rules="严禁任何形式的赌博，晚上9点准时关门。", address="幸福里小区7号楼架空层"),
        _skill("智能手机教学", "幸福里社区/5号楼",
               "社区青年志愿者手把手教老年人用智能手机：微信视频、扫码乘车、网上挂号、识别诈骗电话。"
               "每次课一个主题，请带上自己的手机。",
               (((2,), "09:30-11:00"),),
               _sessions(15, 90),
               tags=("智能手机", "老年人", "微信", "防诈骗"), rules=CLASS_RULES),
        _service("老年人爱心理发", "幸福里社区/5号楼",
                 "每周四上午，爱心理发师为70岁以上老人免费理发。行动不便的老人可以联系居委会安排上门。",
                 (((3,), "09:00-11:30"),),
                 _consultation(30, max_duration_minutes=30),
                 tags=("理发", "助老", "免费")),
        _space("幸福里社区健身房", "幸福里社区/5号楼",
               "配有跑步机、动感单车和力量器械的小型健身房，面向社区居民免费开放。器械由物业每月保养一次，初次使用请先看墙上的使用说明。",
               ((EVERY_DAY, "06:30-21:00"),),
               _seats(8),
               tags=("健身", "跑步机"),
               facilities=("air_conditioning", "water"),
               status="suspended", suspension_reason="跑步机和空调正在检修，预计下月恢复开放。"),
        _space("幸福里屋顶花园（筹备中）", "幸福里社区/1号楼",
               "1号楼屋顶正在改造为社区花园，计划开放给园艺兴趣小组和亲子自然课堂使用。种植箱和工具房已经到位，开放时间和使用规则还在征求居民意见。",
               ((WEEKEND, "09:00-17:00"),),
               _room(people=20),
               tags=("园艺", "亲子"),
               status="draft", address="幸福里小区1号楼屋顶"),
    ),
    org.JIANSHELU_OFFICE: (
        _space("建设路社区多功能活动室", "建设路社区/第一网格",
               "社区党群服务站二楼的活动室，可容纳50人，适合讲座、排练和居民联欢。周末全天开放。",
               EVENINGS_AND_WEEKENDS,
               _room(people=50, instant_booking=False),
               tags=("活动室", "讲座", "排练"),
               facilities=("projector", "sound", "air_conditioning", "water"),
               rules=HALL_RULES, exceptions=(HOLIDAY,), address="建设路126号二楼"),
        _space("建设路社区会议室", "建设路社区/第一网格",
               "10人会议室，工作日白天开放，适合小组讨论和调解谈话。调解谈话可申请关闭门窗并暂停其他预约，保护当事人隐私。",
               OFFICE_HOURS,
               _meeting_room(people=10),
               tags=("会议", "调解"),
               facilities=("whiteboard", "air_conditioning"),
               rules=ROOM_RULES, exceptions=(HOLIDAY, EXTRA_SATURDAY), address="建设路126号一楼"),
        _space("舞蹈排练厅", "建设路社区/第一网格",
               "整面墙的舞蹈镜和木地板，配有音响，适合广场舞队、瑜伽班和少儿舞蹈排练。"
               "按小时收取少量水电费，费用仅供参考，现场支付。",
               EVENINGS_AND_WEEKENDS,
               _room(people=30, fee_type="money", fee_amount=20),
               tags=("舞蹈", "排练", "瑜伽", "广场舞"),
               facilities=("mirror", "sound", "air_conditioning"),
               rules="请穿软底鞋进入，音响音量不得影响周边居民休息。", address="建设路126号三楼"),
        _space("书画室", "建设路社区/第一网格",
               "宽大的书画案和笔墨纸砚常备，12个座位，书法爱好者和绘画小组可以按座位预约。每周六上午有老师义务指导，欢迎带上作品来交流。",
               (((1, 2, 3, 4, 5), "09:00-17:00"),),
               _seats(12, max_duration_minutes=180),
               tags=("书法", "国画", "书画"),
               facilities=("air_conditioning", "water"),
               rules="用后请清洗毛笔、砚台，废纸放入回收箱。", address="建设路126号三楼"),
        _service("助餐服务（老年食堂）", "建设路社区/第一网格",
                 "社区老年食堂每天中午供应两荤两素一汤，60岁以上老人凭卡就餐有补贴。"
                 "请提前一天预约份数，行动不便的老人可选择送餐上门。",
                 ((MONDAY_TO_SATURDAY, "11:00-12:30"),),
                 _sessions(40, 30, min_notice_minutes=12 * 60, cancel_cutoff_minutes=12 * 60,
                           fee_type="money", fee_amount=12),
                 tags=("助餐", "老年食堂", "送餐"), exceptions=(HOLIDAY,), address="建设路126号一楼"),
    ),
    org.XINHUA_OFFICE: (
        _space("新华社区多功能厅", "新华社区/第二网格",
               "新华社区服务中心一楼大厅，可容纳60人，有舞台和音响，社区春晚、文艺汇演常在这里举办。平日晚上常有合唱和舞蹈排练，大型活动需经居委会审核。",
               OFFICE_AND_EVENINGS,
               _room(people=60, instant_booking=False, max_duration_minutes=300),
               tags=("多功能厅", "文艺汇演", "讲座"),
               facilities=("projector", "sound", "air_conditioning", "wheelchair"),
               rules=HALL_RULES, exceptions=(HOLIDAY, EXTRA_SATURDAY), address="新华路45号一楼"),
        _space("新华社区议事厅", "新华社区/第二网格",
               "圆桌议事厅，可坐16人。居民议事会、楼道自治小组和物业协调会优先使用。",
               OFFICE_AND_EVENINGS,
               _meeting_room(people=16),
               tags=("议事", "居民自治", "会议"),
               facilities=("projector", "whiteboard", "air_conditioning"),
               rules=ROOM_RULES, exceptions=(HOLIDAY,), address="新华路45号二楼"),
        _space("新华社区儿童之家", "新华社区/第二网格",
               "软垫地面、绘本角和益智玩具齐全的儿童活动室，适合亲子活动和低龄儿童托管小组。室内有监控和急救箱，周末常有志愿者组织手工和游戏活动。",
               ((WEEKDAYS, "16:00-19:00"), (WEEKEND, "09:00-17:00")),
               _room(people=15, slot_minutes=30, min_duration_minutes=60, max_duration_minutes=180),
               tags=("儿童", "亲子", "绘本"),
               facilities=("air_conditioning", "water", "nursing_room", "first_aid"),
               rules="儿童须有成年人陪同，进入请脱鞋。", address="新华路45号一楼"),
        _service("四点半课堂作业辅导", "新华社区/第二网格",
                 "大学生志愿者和退休教师在放学后辅导小学生完成作业，家长下班前孩子有人照看。"
                 "每次90分钟，每位孩子每次消耗2个志愿积分。",
                 ((WEEKDAYS, "16:30-18:00"),),
                 _sessions(20, 90, fee_type="points", fee_amount=2),
                 tags=("作业辅导", "四点半课堂", "小学生"), rules=CLASS_RULES, exceptions=(HOLIDAY,),
                 address="新华路45号二楼"),
        _space("新华社区棋牌室", "新华社区/7号楼",
               "7号楼一层的老年活动室，有4张麻将桌和两副象棋，只供娱乐，严禁赌博。下午人多时请按预约时段轮换，给其他老人留出位置。",
               ((EVERY_DAY, "13:00-20:00"),),
               _seats(4, people=16, slot_minutes=30, max_duration_minutes=180),
               tags=("棋牌", "老年活动"),
               facilities=("air_conditioning", "water"), address="新华社区7号楼一层"),
    ),
    org.GONGYUAN_OFFICE: (
        _space("公园社区活动中心大厅", "公园社区/第一网格",
               "临近人民公园的活动中心大厅，面积120平方米，木地板，合唱团和太极拳队的固定排练场地。厅内有一架立式钢琴，钢琴需另外说明并由负责人保管钥匙。",
               ((EVERY_DAY, "08:00-21:00"),),
               _room(people=80, instant_booking=False),
               tags=("活动中心", "合唱", "太极拳"),
               facilities=("sound", "air_conditioning", "piano", "wheelchair", "water"),
               rules=HALL_RULES, exceptions=(HOLIDAY,), address="公园路17号"),
        _space("公园社区会议室", "公园社区/第一网格",
               "8人小会议室，工作日开放，适合小组讨论、线上会议和面谈。室内电脑已安装常用办公软件，可直接接入线上会议。",
               OFFICE_HOURS,
               _meeting_room(people=8),
               tags=("会议", "面谈"),
               facilities=("whiteboard", "wifi", "computer"),
               rules=ROOM_RULES, exceptions=(HOLIDAY, MAINTENANCE), address="公园路17号二楼"),
        _space("公园社区乒乓球室", "公园社区/2号楼",
               "两张标准乒乓球台，球拍可在服务台借用，按球台预约，每次最多两小时。每天早上8点到10点人较多，建议错峰预约。",
               ((EVERY_DAY, "08:00-21:00"),),
               _seats(2, people=8, max_duration_minutes=120),
               tags=("乒乓球", "运动"),
               facilities=("air_conditioning", "water"),
               rules="请穿运动鞋，结束后把球拍交还服务台。", address="公园社区2号楼一层"),
        _skill("公园社区书法班", "公园社区/第一网格",
               "市书法家协会会员免费授课，从执笔和基本笔画教起，零基础也能学。笔墨纸张由社区提供。",
               (((5,), "09:00-11:00"),),
               _sessions(20, 120),
               tags=("书法", "兴趣班", "老年人"), rules=CLASS_RULES, address="公园路17号二楼"),
        _service("便民缝补服务", "公园社区/第一网格",
                 "巧手阿姨志愿队每周二上午在活动中心缝补衣物、换拉链、改裤脚，分文不取。针线和常用拉链由志愿队自备，特殊面料请自带配件。",
                 (((1,), "09:00-11:30"),),
                 _consultation(30, max_duration_minutes=30, min_notice_minutes=60),
                 tags=("缝补", "便民", "志愿服务")),
    ),
    org.YUEJIN_OFFICE: (
        _space("跃进社区多功能活动室", "跃进社区/第一网格",
               "跃进路3号院内的活动室，可容纳40人，老年合唱团和腰鼓队常在这里活动。室内有音响和一面舞蹈镜，工作日晚上和周六上午也可预约。",
               OFFICE_AND_EVENINGS,
               _room(people=40, instant_booking=False),
               tags=("活动室", "合唱", "腰鼓队"),
               facilities=("sound", "air_conditioning", "water"),
               rules=ROOM_RULES, exceptions=(HOLIDAY, EXTRA_SATURDAY), address="跃进路3号院1号楼"),
        _space("跃进社区会议室", "跃进社区/第一网格",
               "可坐10人的会议室，适合小型会议和调解谈话。调解谈话可由社区人民调解员陪同，预约时请在备注中说明。",
               OFFICE_HOURS,
               _meeting_room(people=10),
               tags=("会议", "调解"),
               facilities=("whiteboard", "air_conditioning"),
               rules=ROOM_RULES, exceptions=(HOLIDAY,), address="跃进路3号院1号楼"),
        _space("跃进社区阅览室", "跃进社区/第一网格",
               "10个座位的阅览室，备有大字版图书和老花镜，方便老年居民阅读。每周一更新报纸，还有一台放大镜阅读器供视力不好的居民使用。",
               ((WEEKDAYS, "09:00-17:00"),),
               _seats(10),
               tags=("阅读", "大字版", "老年人"),
               facilities=("air_conditioning", "water"),
               rules=SEAT_RULES, address="跃进路3号院1号楼"),
        _service("跃进社区老年人爱心理发", "跃进社区/第一网格",
                 "每月两次，爱心企业理发师为辖区老人免费理发、修面，80岁以上老人可预约上门。理发师自带工具并严格消毒，请提前洗好头发。",
                 (((0,), "09:00-11:30"),),
                 _consultation(30, max_duration_minutes=30),
                 tags=("理发", "助老", "免费")),
        _skill("跃进社区智能手机课堂", "跃进社区/第一网格",
               "针对老年人的智能手机小班课，教拍照、发语音、手机支付和辨别网络诈骗，每班10人。课后留出十分钟答疑，可以把平时遇到的难题带来现场解决。",
               (((3,), "14:30-16:00"),),
               _sessions(10, 90),
               tags=("智能手机", "老年人", "手机支付"), rules=CLASS_RULES),
    ),
    org.XINGFULI_PARTY_BRANCH: (
        _space("幸福里党员活动室", "幸福里社区/5号楼",
               "支部党员活动室，可容纳25人，有党建图书角。支部活动之外的时间，群众团队也可预约。",
               ((WEEKDAYS, "09:00-17:00"), ((5,), "09:00-12:00")),
               _room(people=25, instant_booking=False),
               tags=("党员活动", "主题党日", "党建"),
               facilities=("projector", "air_conditioning", "water"),
               rules=ROOM_RULES, address="幸福里小区5号楼二层"),
        _service("党员志愿者上门帮办", "幸福里社区",
                 "在职党员志愿者为独居、失能老人上门代办缴纳水电费、取药、购买生活用品等小事。"
                 "预约后由支部安排志愿者，确认后会电话联系。",
                 ((WEEKDAYS, "14:00-17:00"),),
                 _home_visit(),
                 tags=("上门帮办", "助老", "党员志愿者"), rules=HOME_VISIT_RULES),
        _service("红色电影放映", "幸福里社区/5号楼",
                 "每周五晚在多功能活动室放映经典红色电影，放映前有10分钟党史小故事。欢迎全家一起来看。",
                 (((4,), "19:00-21:00"),),
                 _sessions(40, 120),
                 tags=("电影", "党史", "周末活动")),
    ),
    org.SCHOOL: (
        _space("第一小学操场", "建设路社区/第二网格",
               "标准200米塑胶跑道和足球场，周末向居民开放，适合社区运动会、晨练团队和亲子活动。请从西侧小门进出，不得进入教学楼。",
               SCHOOL_WEEKENDS,
               _room(people=300, instant_booking=False, max_duration_minutes=300, min_notice_minutes=2 * 24 * 60),
               tags=("操场", "运动会", "跑步", "足球"),
               facilities=("wheelchair", "first_aid"),
               rules=SCHOOL_RULES),
        _space("第一小学篮球场", "建设路社区/第二网格",
               "两块室外篮球场，周末全天开放，工作日放学后傍晚也可预约。篮球需自备，雨天场地湿滑时学校会临时关闭。",
               ((WEEKDAYS, "18:00-20:00"), (WEEKEND, "08:30-18:00")),
               _seats(2, people=30, max_duration_minutes=120),
               tags=("篮球", "运动"),
               rules=SCHOOL_RULES),
        _space("第一小学音乐教室", "建设路社区/第二网格",
               "配有三角钢琴和阶梯座位的音乐教室，可容纳40人，合唱团、器乐小组排练首选。钢琴使用需由负责人签字登记，禁止在教室内饮食。",
               SCHOOL_WEEKENDS,
               _room(people=40, instant_booking=False),
               tags=("音乐", "钢琴", "合唱排练"),
               facilities=("piano", "sound", "air_conditioning"),
               rules=SCHOOL_RULES),
        _space("第一小学阶梯教室", "建设路社区/第二网格",
               "100座阶梯教室，配有投影和扩音设备，适合家长课堂、健康讲座等大型讲座。学校可协助调试投影和话筒，活动方需在预约时提交活动方案。",
               SCHOOL_WEEKENDS,
               _room(people=100, instant_booking=False),
               tags=("讲座", "家长课堂", "阶梯教室"),
               facilities=("projector", "sound", "air_conditioning", "wheelchair"),
               rules=SCHOOL_RULES),
    ),
    org.CLINIC: (
        _service("免费量血压、测血糖", "公园社区/第一网格",
                 "社区卫生服务中心大厅每天上午提供免费血压、血糖测量，护士现场解读结果，"
                 "并为高血压、糖尿病居民建立健康档案。测血糖请空腹前来。",
                 CLINIC_MORNINGS,
                 _consultation(15, max_duration_minutes=15, capacity=3, min_notice_minutes=0),
                 tags=("量血压", "测血糖", "慢病管理", "免费"), exceptions=(HOLIDAY,)),
        _skill("家庭医生签约咨询", "公园社区/第一网格",
               "家庭医生团队解答签约服务内容、慢病用药和转诊问题，签约居民可享受优先预约。请携带身份证、医保卡和近期的检查报告。",
               ((WEEKDAYS, "08:00-11:30"),),
               _consultation(20, max_duration_minutes=40),
               tags=("家庭医生", "签约", "慢病"), exceptions=(HOLIDAY,)),
        _service("上门护理（换药、导尿管护理）", "公园社区/第一网格",
                 "社区护士为行动不便的居民上门换药、更换导尿管、压疮护理。收费按医保标准，"
                 "金额仅供参考，以实际项目为准。",
                 ((WEEKDAYS, "14:00-17:00"),),
                 _home_visit(fee_type="money", fee_amount=50),
                 tags=("上门护理", "换药", "居家养老"), rules=HOME_VISIT_RULES),
        _service("中医养生讲座", "公园社区/第一网格",
                 "中医科医生每周四上午讲解四季养生、穴位按摩和常见病食疗，讲座后可免费把脉。每期主题在社区公告栏和本页提前一周公布，座位有限请预约。",
                 (((3,), "09:00-10:30"),),
                 _sessions(30, 90),
                 tags=("中医", "养生", "健康讲座")),
    ),
    org.BANK: (
        _space("农商银行培训室（周末开放）", "新华社区/第二网格",
               "网点二楼培训室，可容纳30人，配投影和电脑。周末免费向社区组织开放，适合培训和讲座。",
               ((WEEKEND, "09:00-17:00"),),
               _room(people=30, instant_booking=False, min_notice_minutes=2 * 24 * 60),
               tags=("培训室", "讲座", "周末"),
               facilities=("projector", "computer", "air_conditioning", "wifi", "parking"),
               rules=ROOM_RULES, exceptions=(HOLIDAY,), address="东大街120号二楼"),
        _skill("防范电信诈骗讲座", "新华社区/第二网格",
               "银行工作人员用真实案例讲解冒充客服、刷单返利、养老投资等常见骗局，教大家守好钱袋子。讲座后可现场咨询可疑电话和短信，工作人员帮您一起辨别。",
               (((5,), "10:00-11:30"),),
               _sessions(30, 90),
               tags=("防诈骗", "金融知识", "老年人"), address="东大街120号二楼"),
        _space("户外劳动者爱心驿站", "新华社区/第二网格",
               "营业厅一角的爱心驿站，为环卫工人、快递小哥提供歇脚、热水、充电和微波炉加热饭菜。无需排队，来了就能歇一歇，预约只是为了统计服务人数。",
               ((EVERY_DAY, "09:00-17:00"),),
               _seats(6, slot_minutes=30, min_duration_minutes=30, max_duration_minutes=60, min_notice_minutes=0),
               tags=("爱心驿站", "歇脚", "饮水"),
               facilities=("water", "air_conditioning", "wifi", "wheelchair"), address="东大街120号一楼"),
    ),
    org.PROPERTY_COMPANY: (
        _service("家电维修", "幸福里社区",
                 "物业维修师傅上门检修空调、洗衣机、热水器和小家电。上门费20元（仅供参考），"
                 "更换配件按成本价另收。",
                 ((MONDAY_TO_SATURDAY, "09:00-17:00"),),
                 _home_visit(fee_type="money", fee_amount=20, min_notice_minutes=4 * 60),
                 tags=("家电维修", "空调", "热水器", "上门"), rules=HOME_VISIT_RULES),
        _space("业主共享会客室", "幸福里社区/第一网格",
               "物业楼一层的会客室，沙发和茶水齐全，业主接待亲友、小型聚会、线上面试都可预约。仅限本小区业主预约，访客需由业主陪同。",
               ((EVERY_DAY, "09:00-21:00"),),
               _meeting_room(people=8),
               tags=("会客室", "聚会"),
               facilities=("air_conditioning", "water", "wifi"),
               rules=ROOM_RULES, address="幸福里小区北门物业楼一层"),
        _service("便民工具借用", "幸福里社区/第一网格",
                 "电钻、梯子、管钳、打气筒等常用工具免费借用，押身份证即可，最长借用一天。归还时请清点配件，损坏的工具请如实告知，我们会及时维修。",
                 ((EVERY_DAY, "08:00-18:00"),),
                 _consultation(60, max_duration_minutes=480, capacity=3, min_notice_minutes=30),
                 tags=("工具借用", "电钻", "梯子"), address="幸福里小区北门物业楼一层"),
    ),
    org.SOCIAL_WORK: (
        _skill("青少年与家庭心理疏导", "跃进社区/第三网格",
               "持证社工为青少年和家庭提供一对一心理疏导，关注厌学、亲子冲突、网络沉迷等问题。首次预约由社工电话回访了解情况，谈话内容严格保密。",
               (((2, 4), "15:00-18:00"), ((5,), "09:00-12:00")),
               _consultation(60, max_duration_minutes=60, instant_booking=False),
               tags=("心理疏导", "青少年", "亲子沟通")),
        _service("独居老人探访陪伴", "跃进社区",
                 "社工和志愿者定期上门探访独居老人，聊天陪伴、检查家中安全隐患，必要时链接医疗和救助资源。子女可以代父母预约，预约时请留下老人的住址和常用联系方式。",
                 ((WEEKDAYS, "09:00-11:30"), (WEEKDAYS, "14:00-17:00")),
                 _home_visit(),
                 tags=("探访", "独居老人", "陪伴"), rules=HOME_VISIT_RULES),
        _space("社工活动室", "跃进社区/7号楼",
               "服务社的团体活动室，可容纳20人，适合小组工作、支持性团体和志愿者培训。室内桌椅可以自由组合，适合围坐分享和角色扮演等小组活动。",
               ((WEEKDAYS, "09:00-17:00"), ((5,), "09:00-17:00")),
               _room(people=20),
               tags=("活动室", "小组工作", "培训"),
               facilities=("projector", "whiteboard", "air_conditioning"),
               rules=ROOM_RULES, exceptions=(HOLIDAY,), address="跃进路3号院7号楼一层"),
        _service("亲子绘本共读", "跃进社区/7号楼",
                 "每周六上午，社工带领3到8岁的孩子和家长一起读绘本、做手工，每期12个家庭。每期围绕一个主题，孩子们会带着自己的手工作品回家。",
                 (((5,), "10:00-11:00"),),
                 _sessions(12, 60),
                 tags=("绘本", "亲子", "阅读")),
    ),
    org.SENIOR_COLLEGE: (
        _skill("老年大学书法班", "新华社区/第一网格",
               "退休书法教师授课，楷书和隶书两个方向，每班25人。适合有一定基础、想系统提高的学员。",
               (((0, 2), "09:00-10:30"),),
               _sessions(25, 90),
               tags=("书法", "老年大学", "楷书"), rules=CLASS_RULES, address="新华路60号三楼"),
        _space("老年大学合唱排练厅", "新华社区/第一网格",
               "配有钢琴和合唱台阶的排练厅，可容纳60人，老年大学课程之外的时间向社区合唱团开放。排练厅有电梯直达，方便行动不便的老人。",
               ((WEEKDAYS, "14:00-17:00"), (WEEKEND, "09:00-17:00")),
               _room(people=60, instant_booking=False),
               tags=("合唱", "排练", "钢琴"),
               facilities=("piano", "sound", "air_conditioning", "elevator"),
               rules=HALL_RULES, exceptions=(HOLIDAY,), address="新华路60号二楼"),
        _skill("老年大学智能手机课堂", "新华社区/第一网格",
               "八周一期的系统课程：从开关机、调字体到网上购物、视频通话，每课配有图文讲义。学员需自带手机，课程结束可获得老年大学结业证书。",
               (((1,), "14:30-16:00"),),
               _sessions(20, 90),
               tags=("智能手机", "老年大学"), rules=CLASS_RULES, address="新华路60号二楼"),
        _service("太极拳晨练班", "新华社区/第一网格",
                 "二十四式简化太极拳，由国家级社会体育指导员带练，工作日清晨在老年大学院内。雨雪天改在一楼大厅进行，请穿宽松衣服和平底鞋。",
                 ((WEEKDAYS, "07:00-08:00"),),
                 _sessions(30, 60, min_notice_minutes=0),
                 tags=("太极拳", "晨练", "健身")),
    ),
    org.LIBRARY: (
        _space("图书馆阅览室座位", "公园社区/第二网格",
               "40个阅览座位，免费无线网络，预约后凭居民账号入座。每人每天最多预约四小时，离开超过30分钟座位将被释放。",
               ((TUESDAY_TO_SUNDAY, "09:00-20:00"),),
               _seats(40),
               tags=("阅读", "自习", "图书馆"),
               facilities=("air_conditioning", "water", "wifi", "wheelchair", "elevator"),
               rules=SEAT_RULES, exceptions=(HOLIDAY,), address="公园路21号二楼"),
        _space("图书馆研讨间", "公园社区/第二网格",
               "6人研讨间，隔音良好，配白板和显示屏，适合读书会、小组学习和线上会议。研讨间可以关门交流，不影响阅览区的读者。",
               ((TUESDAY_TO_SUNDAY, "09:00-20:00"),),
               _meeting_room(people=6, max_duration_minutes=120),
               tags=("研讨间", "读书会", "小组学习"),
               facilities=("whiteboard", "wifi", "air_conditioning"),
               rules="研讨间内请勿饮食，结束时擦净白板。", address="公园路21号三楼"),
        _service("少儿绘本故事会", "公园社区/第二网格",
                 "每周日上午，图书馆员和故事妈妈给孩子们讲绘本故事，适合4到8岁儿童。家长可以在一旁陪伴，故事会结束后可以借走当天讲的绘本。",
                 (((6,), "10:00-11:00"),),
                 _sessions(25, 60),
                 tags=("故事会", "绘本", "少儿"), address="公园路21号少儿阅览区"),
    ),
}

VOLUNTEER_LISTINGS: dict[str, tuple[DemoListing, ...]] = {
    "13800000004": (
        _skill("退休律师法律咨询", "幸福里社区/3号楼",
               "我做了三十年律师，退休后住在幸福里3号楼。遗嘱继承、房产纠纷、养老金争议都可以来聊聊，"
               "不收任何费用。",
               (((5,), "14:00-17:00"),),
               _consultation(30),
               tags=("法律咨询", "遗嘱继承", "房产纠纷")),
        _skill("帮写法律文书", "幸福里社区/3号楼",
               "帮助居民起草借条、租房合同、调解协议等常用文书，并讲清楚其中的风险条款。首次预约请简单写明需要什么文书，我会提前准备好模板。",
               (((2,), "19:00-21:00"),),
               _consultation(60, max_duration_minutes=60, instant_booking=False),
               tags=("法律文书", "合同", "借条")),
    ),
    "13800000026": (
        _skill("儿童钢琴启蒙", "新华社区/4号楼",
               "音乐学院毕业，业余时间给社区孩子做钢琴启蒙，教识谱和基本指法。需自备电子琴或钢琴。",
               (((5, 6), "15:00-17:00"),),
               _consultation(60, max_duration_minutes=60),
               tags=("钢琴", "启蒙", "儿童")),
    ),
    "13800000027": (
        _skill("家电小修", "建设路社区/5号楼",
               "退休电工，会修台灯、电风扇、电饭煲等小家电，也可以帮老人检查家里的电线和插座。简单的问题当场修好，需要配件的我会告诉您去哪里买最实惠。",
               (((1, 3, 5), "09:00-11:00"),),
               _consultation(60, max_duration_minutes=60, instant_booking=False),
               tags=("家电维修", "电工", "助老")),
    ),
    "13800000028": (
        _skill("手机摄影入门", "公园社区/6号楼",
               "带大家在公园里用手机拍出好照片：构图、光线、后期修图，一次小组课6人。每次课后在群里点评大家的作业，零基础也能很快上手。",
               (((6,), "09:00-10:30"),),
               _sessions(6, 90),
               tags=("摄影", "手机", "兴趣")),
    ),
    "13800000029": (
        _skill("英语口语角", "跃进社区/5号楼",
               "在外企工作多年，每周三晚上和邻居们练英语口语，话题轻松，中小学生和成年人都欢迎。不考语法、不留作业，只要敢开口就行。",
               (((2,), "19:30-21:00"),),
               _sessions(8, 90),
               tags=("英语", "口语", "学习")),
    ),
}
