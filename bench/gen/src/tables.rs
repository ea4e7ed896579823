//! The vocabularies and mixes of the generated data: names, departments, kinds with
//! their shares, severities, channels, outcomes and the follow-up rule each kind
//! answers to.
//!
//! The shares are chosen to look like a combined export of a property-management
//! company and a hospital group, so that one data set exercises both
//! `rules/property.toml` and `rules/hospital.toml`. Change a share here and every
//! data set changes: the run script notices (it hashes this source).

/// The 100 most common Chinese surnames, roughly by frequency.
pub const SURNAMES: [&str; 100] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林",
    "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于",
    "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆",
    "汪", "范", "金", "石", "廖", "贾", "夏", "韦", "付", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛",
    "闫", "段", "雷", "侯", "龙", "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "覃", "武",
    "戴", "莫", "孔", "向", "汤",
];

/// Characters used for given names (one or two of them).
pub const GIVEN: [&str; 60] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞",
    "平", "刚", "桂", "英", "华", "玉", "兰", "文", "建", "国", "红", "丹", "萍", "鹏", "辉", "玲", "燕", "宇", "浩",
    "凯", "婷", "雪", "琳", "晨", "欣", "志", "海", "波", "宁", "亮", "飞", "梅", "莉", "斌", "林", "鑫", "晓", "慧",
    "佳", "俊", "颖",
];

/// Mobile number prefixes (China Mobile, Unicom and Telecom blocks).
pub const PHONE_PREFIXES: [&str; 12] = [
    "130", "131", "135", "136", "137", "138", "139", "150", "158", "177", "186", "189",
];

/// Customer segments and their shares (per cent).
pub const SEGMENTS: [&str; 3] = ["normal", "key", "vip"];
/// Shares of [`SEGMENTS`].
pub const SEGMENT_WEIGHTS: [u32; 3] = [80, 15, 5];

/// Customer flags with their independent probabilities per 10 000 customers. Drawn
/// independently, so a few customers carry two (joined with `;`).
pub const FLAGS: [(&str, u32); 4] = [
    ("deceased", 100),
    ("dispute", 100),
    ("privacy", 50),
    ("do_not_contact", 50),
];

/// Which industry a kind belongs to: decides its staff titles and departments.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Industry {
    /// Property management (物业).
    Property,
    /// Hospital (医院).
    Hospital,
}

/// The column a kind's follow-up rule counts from (its `anchor` in `rules/*.toml`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// `closed_at`, or `discharged_at` for discharges.
    Closed,
    /// `opened_at` (outpatient first visits).
    Opened,
    /// `contract_mid` and `contract_end` (special-service contracts: two steps).
    Contract,
}

/// What a due item is per: one order, or one household a month (rules sampled by
/// household, whose due_id is `RULE/CUSTOMER@YYYY-MM/STEP`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// `RULE/ORDER/STEP`.
    Order,
    /// `RULE/CUSTOMER@YYYY-MM/STEP`, for the household's first order of the month.
    Household,
}

/// One kind of order: its label in `orders.csv`, its share per 10 000 orders, and how
/// its visits are logged.
pub struct Kind {
    /// The `kind` column.
    pub label: &'static str,
    /// Share per 10 000 orders.
    pub weight: u32,
    /// Industry.
    pub industry: Industry,
    /// Rule id used in `due_id` (severe discharges use [`RULE_DISCHARGE_SEVERE`]).
    pub rule: &'static str,
    /// The column the rule counts from.
    pub anchor: Anchor,
    /// Per order or per household.
    pub unit: Unit,
    /// The first visit falls this many days after the anchor, `lo..=hi`: inside the
    /// rule's window (a tenth are late, see main.rs).
    pub visit_days: (u32, u32),
}

/// Shorthand for the [`KINDS`] table, one kind a line.
const fn kind(
    label: &'static str,
    weight: u32,
    industry: Industry,
    rule: &'static str,
    anchor: Anchor,
    unit: Unit,
    visit_days: (u32, u32),
) -> Kind {
    Kind {
        label,
        weight,
        industry,
        rule,
        anchor,
        unit,
        visit_days,
    }
}

use Anchor::{Closed, Contract, Opened};
use Industry::{Hospital, Property};
use Unit::{Household, Order};

/// The kind mix: complaint 15 %, repair 35 %, discharge 20 %, the rest spread over
/// the smaller services. The weights add up to 10 000. Rule ids, anchors and visit
/// days follow `rules/property.toml` and `rules/hospital.toml`: complaints within 3
/// days of closure, repairs 1 to 2 months after, special services within 7 days of
/// the contract's mid-term and end, discharges within 10 days (5 if severe),
/// specialist outpatients 7–10 days after the first visit, basic ones 10–13 days.
#[rustfmt::skip]
pub const KINDS: [Kind; 12] = [
    kind("complaint",            1500, Property, "property.complaint",            Closed,   Order,     (0, 3)),
    kind("repair",               3500, Property, "property.repair",               Closed,   Order,     (30, 60)),
    kind("special_service",       300, Property, "property.special_service",      Contract, Order,     (0, 7)),
    kind("help_service",          300, Property, "property.help_service",         Closed,   Order,     (1, 7)),
    kind("emergency_patient",     100, Property, "property.emergency_patient",    Closed,   Order,     (1, 7)),
    kind("activity",              300, Property, "property.activity",             Closed,   Order,     (1, 30)),
    kind("other_service",         200, Property, "property.other_service",        Closed,   Order,     (1, 7)),
    kind("home_repair",           300, Property, "property.home_repair",          Closed,   Household, (1, 30)),
    kind("home_cleaning",         300, Property, "property.home_cleaning",        Closed,   Household, (1, 30)),
    kind("discharge",            2000, Hospital, "hospital.discharge_general",    Closed,   Order,     (1, 10)),
    kind("outpatient_specialty",  600, Hospital, "hospital.outpatient_specialty", Opened,   Order,     (7, 10)),
    kind("outpatient_basic",      600, Hospital, "hospital.outpatient_basic",     Opened,   Order,     (10, 13)),
];

/// Index of `complaint` in [`KINDS`].
pub const COMPLAINT: usize = 0;
/// Index of `repair` in [`KINDS`].
pub const REPAIR: usize = 1;
/// Index of `special_service` in [`KINDS`].
pub const SPECIAL_SERVICE: usize = 2;
/// Index of `discharge` in [`KINDS`].
pub const DISCHARGE: usize = 9;
/// Index of `outpatient_specialty` in [`KINDS`].
pub const OUTPATIENT_SPECIALTY: usize = 10;

/// Rule id for severe discharges (within 5 days instead of 10).
pub const RULE_DISCHARGE_SEVERE: &str = "hospital.discharge_severe";
/// Visit window for severe discharges, days after discharge.
pub const SEVERE_VISIT_DAYS: (u32, u32) = (1, 5);
/// Step names of the special-service rule (mid-term and end of the contract).
pub const CONTRACT_STEPS: [&str; 2] = ["midterm", "end"];
/// Special-service contract lengths in days (3, 6 and 12 months).
pub const CONTRACT_DAYS: [u32; 3] = [91, 182, 365];

/// `discharge_type` of discharges: the hospital policy excludes `clearance` (清理出院).
pub const DISCHARGE_TYPES: [&str; 2] = ["normal", "clearance"];
/// Shares of [`DISCHARGE_TYPES`] (per cent).
pub const DISCHARGE_TYPE_WEIGHTS: [u32; 2] = [97, 3];
/// `lost` (流失) of specialist outpatients: lost patients are not followed up.
pub const LOST_PER_10K: u32 = 1000;
/// `anonymous` complaints are not followed up (property policy).
pub const ANONYMOUS_PER_10K: u32 = 500;
/// `reply_type` `written`: a superior body asked for a written reply only.
pub const WRITTEN_REPLY_PER_10K: u32 = 300;

/// Complaint severities and shares (per cent).
pub const COMPLAINT_SEVERITIES: [&str; 3] = ["general", "important", "major"];
/// Shares of [`COMPLAINT_SEVERITIES`].
pub const COMPLAINT_SEVERITY_WEIGHTS: [u32; 3] = [70, 25, 5];
/// Discharge severities and shares (per cent).
pub const DISCHARGE_SEVERITIES: [&str; 2] = ["general", "severe"];
/// Shares of [`DISCHARGE_SEVERITIES`].
pub const DISCHARGE_SEVERITY_WEIGHTS: [u32; 2] = [85, 15];

/// Repair categories.
pub const REPAIR_CATEGORIES: [&str; 5] = ["plumbing", "electrical", "door", "window", "lift"];

/// Property departments (15).
pub const PROPERTY_DEPARTMENTS: [&str; 15] = [
    "工程部",
    "客服部",
    "秩序维护部",
    "保洁部",
    "绿化部",
    "管理处",
    "物业服务中心",
    "社区活动部",
    "家政服务部",
    "维修班",
    "安保部",
    "停车管理部",
    "装修管理部",
    "收费部",
    "品质部",
];
/// The departments that take repairs (a subset, so repairs cluster like real ones).
pub const REPAIR_DEPARTMENTS: [&str; 3] = ["工程部", "维修班", "物业服务中心"];
/// Hospital departments (15).
pub const HOSPITAL_DEPARTMENTS: [&str; 15] = [
    "内科",
    "外科",
    "骨科",
    "儿科",
    "妇产科",
    "眼科",
    "耳鼻喉科",
    "口腔科",
    "皮肤科",
    "神经内科",
    "心内科",
    "消化内科",
    "呼吸内科",
    "肿瘤科",
    "急诊科",
];

/// Staff titles by industry; the staff list is surname + title, 100 of each industry.
pub const PROPERTY_TITLES: [&str; 3] = ["师傅", "管家", "主管"];
/// See [`PROPERTY_TITLES`].
pub const HOSPITAL_TITLES: [&str; 2] = ["医生", "护士"];

/// Visit channels and shares (per cent): phone 70, onsite 15, sms/letter/wechat 5 each.
pub const CHANNELS: [&str; 5] = ["phone", "onsite", "sms", "letter", "wechat"];
/// Shares of [`CHANNELS`].
pub const CHANNEL_WEIGHTS: [u32; 5] = [70, 15, 5, 5, 5];
/// Index of `onsite` in [`CHANNELS`]: only on-site visits are signed.
pub const ONSITE: usize = 1;

/// Outcomes and shares (per cent) of each attempt.
pub const OUTCOMES: [&str; 5] = ["reached", "no_answer", "busy", "wrong_number", "refused"];
/// Shares of [`OUTCOMES`].
pub const OUTCOME_WEIGHTS: [u32; 5] = [70, 15, 7, 3, 5];
/// Index of `reached`.
pub const REACHED: usize = 0;
/// `no_answer` and `busy` leave the item open: another attempt follows (up to 3).
pub fn outcome_retries(i: usize) -> bool {
    i == 1 || i == 2
}

/// Satisfaction scores 1..=10, skewed high as real surveys are.
pub const SCORE_WEIGHTS: [u32; 10] = [1, 1, 1, 2, 3, 5, 10, 20, 27, 30];

/// Notes by outcome; empty strings make most notes empty. One note has an ASCII comma
/// so the files contain quoted fields, as real exports do.
pub const NOTES_REACHED: [&str; 10] = [
    "",
    "",
    "",
    "",
    "",
    "客户满意",
    "已解决",
    "对服务态度满意",
    "建议加快处理速度",
    "已解决, 客户满意",
];
/// Notes after an attempt that did not reach the customer.
pub const NOTES_FAILED: [&str; 6] = ["", "", "", "无人接听", "家属代接", "稍后再联系"];

/// The staff who log visits (回访员). Hospital visits are mostly logged by the
/// follow-up office, whose visitors carry the prefix [`FOLLOW_UP_OFFICE`] (the
/// hospital policy wants it to make at least 70 % of discharge visits).
pub const VISITORS: [&str; 24] = [
    "张敏", "李静", "王芳", "刘洋", "陈晨", "杨雪", "赵婷", "黄丽", "周欣", "吴佳", "徐颖", "孙慧", "马琳", "朱燕",
    "胡玲", "郭萍", "何丹", "高艳", "林娟", "罗霞", "郑梅", "梁莉", "谢宁", "宋佳",
];

/// Visitor prefix of the hospital's follow-up office (`visitor_prefixes` in hospital.toml).
pub const FOLLOW_UP_OFFICE: &str = "回访办";
/// Share of hospital visits made by the follow-up office (per 10 000); the rest by
/// the attending doctor.
pub const FOLLOW_UP_OFFICE_PER_10K: u32 = 7500;
