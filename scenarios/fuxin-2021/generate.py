"""Generate the synthetic Fuxin 2021 sample pools: individuals.csv and collectives.csv.

Writes, next to this script, UTF-8 CSVs with English headers and LF line endings: about 320
labour-model candidates (individuals.csv) and about 90 advanced-collective candidates
(collectives.csv) from the 11 recommending units. ALL DATA IS SYNTHETIC AND ILLUSTRATIVE: no name,
score or vote describes a real person or organisation. The quota allocation (the notice's 附件1 is
not published) is illustrative too; it is the table in models/fuxin-2021-quotas.csv (180 and 50).

The pools are shaped so that the notice's ratios (四(二)1-2) can be met but bind at the merit
optimum: leaders, institution staff and county-level cadres score higher on average, agriculture
candidates and women lower, institution collectives higher than enterprise ones. Pools are about
1.5-2x a unit's quota, except the tight 新邱区 and 清河门区 (quota + 1 or + 2); the agriculture
bureau submits mostly agriculture candidates, the Mongolian autonomous county many minority ones.

Almost every candidate is eligible: votes >= 0.85 and >= 0.65, a notice of 7+ calendar days clear
of Qingming (2021-04-03..05), an honour basis or direct recommendation, enterprise leaders >= 2
years in post with every clearance 八.5 asks for, institution leaders cleared by organisation and
discipline inspection. Twelve individuals, spread over the non-tight units, are planted ineligible
with exactly one defect each: grassroots vote 0.79; review vote 0.59; already a model; retired;
active serviceman; a violation; wage arrears (an enterprise leader); an enterprise leader 1.5 years
in post; a state-enterprise leader without audit clearance; a private-enterprise leader without
united-front clearance; no honour basis and not direct; a notice 2021-04-01..07 (4 working days).
Four collectives likewise: a county-level administrative unit, review vote 0.55, a safety accident,
social-insurance arrears. About half of the planted ones score 90+, so screening changes the slate.

Each candidate also gets a post (职务: workplace and title) and short deeds (简要事迹), which the forms print
(公示名单, 推荐审批表). They come from a random stream of their own, drawn after everything else, so adding
them changed no other value: the slate is the one the pools gave without them.

Usage: python generate.py [--seed 2021]. The output is byte-for-byte deterministic for a seed.
"""
import argparse
import csv
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent

# unit, labour-model quota, collective quota, individual pool size, collective pool size, profile
UNITS = [
    ("海州区", 18, 5, 34, 9, "county"),
    ("太平区", 14, 4, 27, 7, "county"),
    ("新邱区", 10, 3, 12, 6, "county"),
    ("细河区", 14, 4, 25, 7, "county"),
    ("清河门区", 9, 3, 11, 5, "county"),
    ("彰武县", 18, 5, 33, 9, "county"),
    ("阜新蒙古族自治县", 20, 5, 36, 9, "county"),
    ("市委各部委", 10, 3, 18, 6, "party"),
    ("市直单位", 22, 7, 42, 12, "city"),
    ("中省直单位", 17, 7, 30, 12, "central"),
    ("市农业农村局", 28, 4, 50, 8, "agri"),
]

# relative weights of the kinds of candidate each profile of unit submits
SECTOR_MIX = {
    "county": {"enterprise": 56, "institution": 24, "agriculture": 13, "other": 7},
    "party": {"enterprise": 25, "institution": 65, "other": 10},
    "city": {"enterprise": 50, "institution": 38, "other": 12},
    "central": {"enterprise": 68, "institution": 30, "other": 2},
    "agri": {"agriculture": 64, "enterprise": 30, "other": 6},
}
ROLE_MIX = {
    "enterprise": {"frontline": 32, "technician": 24, "migrant_worker": 12, "leader": 20,
                   "staff": 12},
    "institution": {"leader": 30, "staff": 50, "technician": 20},
    "agriculture": {"frontline": 55, "technician": 25, "leader": 20},
    "other": {"frontline": 50, "staff": 30, "technician": 20},
}
OWNERSHIP = {"central": {"state": 85, "private": 10, "other": 5},
             "local": {"private": 65, "state": 25, "other": 10}}
COLLECTIVE_MIX = {"county": {"enterprise": 60, "institution": 30, "other": 10},
                  "party": {"institution": 70, "enterprise": 20, "other": 10},
                  "city": {"enterprise": 50, "institution": 40, "other": 10},
                  "central": {"enterprise": 70, "institution": 30},
                  "agri": {"enterprise": 50, "other": 50}}
FEMALE = {"enterprise": 0.32, "institution": 0.42, "agriculture": 0.35, "other": 0.4}
MINORITY = {"阜新蒙古族自治县": 0.45, "彰武县": 0.12}  # elsewhere 0.07

CLEARANCES = ["development_reform", "public_security", "hr_social_security", "ecology_environment",
              "emergency_management", "market_regulation", "trade_union", "tax", "united_front",
              "industry_commerce", "discipline_inspection", "audit", "organisation"]
EXTRA_CLEARANCES = {"private": ["united_front", "industry_commerce"],
                    "other": ["united_front", "industry_commerce"],
                    "state": ["discipline_inspection", "audit", "organisation"]}
NOTICES = [("2021-03-25", "2021-04-01"), ("2021-03-25", "2021-04-02"), ("2021-03-26", "2021-04-02")]
FLAGS = ["already_model", "active_military", "retired", "violation", "safety_accident",
         "wage_arrears", "insurance_arrears"]

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林高罗郑梁谢宋唐许邓冯韩曹曾彭萧蔡潘田董袁于"
MINORITY_SURNAMES = "包白韩吴那关佟金"
MALE_CHARS = "伟强军磊勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊峰建国志成东海龙"
FEMALE_CHARS = "芳娜敏静丽艳娟霞秀玲桂英华慧莉红梅琳雪颖洁婷倩燕晶丹萍云"
BRANDS = ["恒达", "新源", "宏基", "鑫盛", "华誉", "金岭", "兴隆", "泰和", "德丰", "瑞祥", "海威", "众诚"]
INDUSTRY_TEAMS = {"矿业": "采煤一队", "化工": "合成车间", "电力": "运维班组", "机械": "装配车间",
                  "食品": "质检班组", "建材": "生产车间", "新能源": "技术研发中心", "液压": "机修车间",
                  "物流": "调度班组", "农牧": "饲料车间"}
INSTITUTIONS = ["第一人民医院急诊科", "中心医院护理部", "实验中学初三年级组", "第二小学教研组",
                "疾病预防控制中心检验科", "社区卫生服务中心全科团队", "图书馆读者服务部"]
ADMIN_UNITS = ["市场监督管理局执法科", "住房和城乡建设局综合科", "交通运输局运输管理科"]
PLACES = ["东风", "红旗", "新华", "平安", "兴业", "建设", "光明", "和平"]
OTHERS = ["种植专业合作社", "养殖专业合作社", "社区居委会", "志愿服务队"]

IND_DEFECTS = ["grassroots_vote", "review_vote", "already_model", "retired", "active_military",
               "violation", "wage_arrears", "short_post", "state_no_audit",
               "private_no_united_front", "no_basis", "short_notice"]
# defects planted on an enterprise leader, with the ownership the firm gets (None: random)
LEADER_DEFECTS = {"wage_arrears": None, "short_post": None, "state_no_audit": "state",
                  "private_no_united_front": "private"}
COL_DEFECTS = ["admin_county_unit", "review_vote", "safety_accident", "insurance_arrears"]

IND_COLUMNS = ["id", "name", "unit", "score", "sector", "role", "ownership", "tech_sme",
               "county_cadre", "gender", "minority", "craftsman", "honour_basis", "direct",
               "grassroots_vote", "review_vote", "notice_start", "notice_end", "post_years",
               "clearances"] + FLAGS + ["post", "deeds"]
COL_COLUMNS = ["id", "name", "unit", "score", "kind", "ownership", "tech_sme", "new_economy",
               "admin_county_unit", "grassroots_vote", "review_vote", "notice_start",
               "notice_end"] + FLAGS + ["deeds"]

# posts and deeds (a stream of their own: see add_texts)
TITLES = {
    ("enterprise", "leader"): ["董事长", "总经理", "党委书记、董事长", "执行董事、总经理"],
    ("enterprise", "technician"): ["高级工程师", "工程师", "技术主管", "质量工程师"],
    ("enterprise", "frontline"): ["班组长", "操作工", "维修电工", "采煤队长", "车间主任"],
    ("enterprise", "migrant_worker"): ["农民工、焊工", "农民工、装配工", "农民工、叉车司机"],
    ("enterprise", "staff"): ["办公室主任", "安全管理员", "人力资源部部长"],
    ("institution", "leader"): ["局长", "院长", "党委书记", "主任", "副局长"],
    ("institution", "staff"): ["科员", "护士长", "教师", "一级主任科员", "社区网格员"],
    ("institution", "technician"): ["主治医师", "高级教师", "高级农艺师", "检验师"],
    ("agriculture", "leader"): ["村党支部书记、村委会主任", "合作社理事长", "家庭农场负责人"],
    ("agriculture", "frontline"): ["种植户", "养殖户", "农机手"],
    ("agriculture", "technician"): ["农技推广员", "畜牧兽医员", "高级农艺师"],
    ("other", "frontline"): ["快递员", "网约车司机", "环卫工人"],
    ("other", "staff"): ["社区工作者", "志愿服务队队长", "网格员"],
    ("other", "technician"): ["技术员", "工程师"],
}
AGENCIES = ["教育局", "卫生健康委员会", "人民医院", "实验中学", "自然资源局", "社区卫生服务中心", "行政审批局"]
DEEDS_PERSON = [
    "2017年以来扎根一线，带领团队完成技术攻关{n}项，年创效益{m}万元",
    "坚持岗位创新，累计提出合理化建议{n}条，获国家专利{k}项",
    "疫情防控中连续奋战{n}天，圆满完成保供保运任务",
    "带头推进项目建设，助力企业产值增长{k}0%，新增就业岗位{n}个",
    "热心服务群众，累计帮扶困难家庭{n}户，群众满意度高",
    "推广新品种新技术{k}项，带动周边{n}户农户增收致富",
]
DEEDS_COLLECTIVE = [
    "2017年以来攻克关键技术难题{n}项，年节约成本{m}万元，连续{k}年安全生产无事故",
    "创新服务模式，年服务群众{n}0人次，群众满意率98%以上",
    "推行精益管理，产品合格率提升至99.{k}%，带动就业{n}人",
    "疫情防控和复工复产中表现突出，组织志愿服务{n}次",
]


def add_texts(seed, individuals, collectives):
    """A post (workplace and title) and short deeds for every candidate, from a stream of their own."""
    rng = random.Random(f"texts-{seed}")
    for row in individuals:
        titles = TITLES.get((row["sector"], row["role"])) or TITLES[("other", "staff")]
        if row["sector"] == "enterprise":
            industry = rng.choice(list(INDUSTRY_TEAMS))
            place = "阜新" + rng.choice(BRANDS) + industry + (
                "集团有限责任公司" if row["ownership"] == "state" else "有限公司")
        elif row["sector"] == "institution":
            place = ("阜新市" if row["unit"].startswith(("市", "中省")) else row["unit"]) + rng.choice(AGENCIES)
        elif row["sector"] == "agriculture":
            place = row["unit"].replace("市农业农村局", "阜新市") + rng.choice(PLACES) + "村"
        else:
            place = row["unit"] + rng.choice(PLACES) + "社区"
        row["post"] = place + rng.choice(titles)
        row["deeds"] = rng.choice(DEEDS_PERSON).format(n=rng.randint(3, 60), m=rng.randint(20, 900),
                                                         k=rng.randint(1, 9)) + "。"
    for row in collectives:
        row["deeds"] = rng.choice(DEEDS_COLLECTIVE).format(n=rng.randint(3, 60), m=rng.randint(20, 900),
                                                             k=rng.randint(1, 9)) + "。"


def pick(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def yn(flag):
    return "yes" if flag else "no"


def score_text(value):
    return f"{min(100.0, max(60.0, value)):.1f}"


def common_fields(rng):
    """Votes, notice dates and exclusion flags, shared by both pools (all eligible)."""
    start, end = rng.choice(NOTICES)
    row = {"grassroots_vote": f"{rng.uniform(0.85, 0.99):.2f}",
           "review_vote": f"{rng.uniform(0.65, 0.95):.2f}", "notice_start": start,
           "notice_end": end}
    row.update({flag: "no" for flag in FLAGS})
    return row


def person_name(rng, female, minority, used):
    while True:
        name = rng.choice(MINORITY_SURNAMES if minority else SURNAMES)
        name += "".join(rng.choice(FEMALE_CHARS if female else MALE_CHARS)
                        for _ in range(rng.choice([1, 2, 2])))
        if name not in used:
            used.add(name)
            return name


def make_person(rng, unit, profile, used, sector=None, role=None, ownership=None):
    sector = sector or pick(rng, SECTOR_MIX[profile])
    role = role or pick(rng, ROLE_MIX[sector])
    own = ""
    if sector == "enterprise":
        own = ownership or pick(rng, OWNERSHIP["central" if profile == "central" else "local"])
    tech_chance = {"leader": 0.55, "staff": 0.1}.get(role, 0)
    tech = own in ("private", "other") and rng.random() < tech_chance
    cadre = sector == "institution" and rng.random() < {"leader": 0.55, "staff": 0.2}.get(role, 0)
    female = rng.random() < FEMALE[sector] * (0.6 if role in ("leader", "migrant_worker") else 1)
    minority = rng.random() < MINORITY.get(unit, 0.07)
    craftsman = "none"
    if role in ("frontline", "technician", "migrant_worker") and sector != "institution":
        craftsman = pick(rng, {"none": 80, "fuxin": 14, "liaoning": 6})
    honour = pick(rng, {"county_model": 40, "city_honour": 35, "higher": 15, "none": 10})
    direct = honour == "none" or rng.random() < 0.05
    clearances = []
    if role == "leader" and sector == "enterprise":
        clearances = CLEARANCES[:8] + EXTRA_CLEARANCES[own]
    elif role == "leader" and sector == "institution":
        clearances = ["discipline_inspection", "organisation"]
    elif rng.random() < 0.1:
        clearances = [rng.choice(["public_security", "trade_union"])]
    score = rng.gauss(77, 6) + 5 * (role == "leader") + 6 * (sector == "institution") + 4 * cadre
    score += -6 * (sector == "agriculture") - 6 * female
    score += {"liaoning": 3, "fuxin": 1.5}.get(craftsman, 0)
    score += {"higher": 2, "city_honour": 1}.get(honour, 0)
    row = {"name": person_name(rng, female, minority, used), "unit": unit,
           "score": score_text(score), "sector": sector, "role": role, "ownership": own,
           "tech_sme": yn(tech), "county_cadre": yn(cadre),
           "gender": "female" if female else "male", "minority": yn(minority),
           "craftsman": craftsman, "honour_basis": honour, "direct": yn(direct),
           "post_years": f"{rng.uniform(2.0 if role == 'leader' else 0.5, 20.0):.1f}",
           "clearances": ";".join(c for c in CLEARANCES if c in clearances)}
    row.update(common_fields(rng))
    return row


def make_collective(rng, unit, profile, kind=None, admin=False):
    place = unit if profile == "county" else "阜新市"
    kind = kind or pick(rng, COLLECTIVE_MIX[profile])
    if kind == "enterprise":
        own = pick(rng, {"state": 70, "private": 20, "foreign": 10} if profile == "central"
                   else {"private": 50, "state": 30, "foreign": 8, "other": 12})
        industry = rng.choice(list(INDUSTRY_TEAMS))
        name = "阜新" + rng.choice(BRANDS) + industry
        name += ("集团有限责任公司" if own == "state" else "有限公司") + INDUSTRY_TEAMS[industry]
    elif kind == "institution":
        own, name = "state", place + rng.choice(ADMIN_UNITS if admin else INSTITUTIONS)
    else:
        own, name = "other", place + rng.choice(PLACES) + rng.choice(OTHERS)
    tech = own in ("private", "foreign") and rng.random() < 0.35
    new_economy = kind == "enterprise" and rng.random() < 0.25
    score = rng.gauss(80, 5) + 5 * (kind == "institution") + 1.5 * (own == "state")
    row = {"name": name, "unit": unit, "score": score_text(score), "kind": kind, "ownership": own,
           "tech_sme": yn(tech), "new_economy": yn(new_economy), "admin_county_unit": yn(admin)}
    row.update(common_fields(rng))
    return row


def plant(rng, row, defect):
    """Give an otherwise eligible candidate exactly one defect; half of them get a high score."""
    if defect in FLAGS or defect == "admin_county_unit":
        row[defect] = "yes"
    elif defect == "grassroots_vote":
        row[defect] = "0.79"
    elif defect == "review_vote":
        row[defect] = "0.59" if "sector" in row else "0.55"
    elif defect == "short_post":
        row["post_years"] = "1.5"
    elif defect in ("state_no_audit", "private_no_united_front"):
        missing = "audit" if defect == "state_no_audit" else "united_front"
        row["clearances"] = ";".join(c for c in row["clearances"].split(";") if c != missing)
    elif defect == "no_basis":
        row["honour_basis"], row["direct"] = "none", "no"
    elif defect == "short_notice":
        row["notice_start"], row["notice_end"] = "2021-04-01", "2021-04-07"
    if rng.random() < 0.5:
        row["score"] = f"{rng.uniform(90, 99):.1f}"


def generate(seed):
    rng = random.Random(seed)
    non_tight = [unit for unit, quota, _, pool, _, _ in UNITS if pool - quota > 2]
    defects = rng.sample(IND_DEFECTS, len(IND_DEFECTS))
    ind_plan = {unit: defects[i::len(non_tight)] for i, unit in enumerate(non_tight)}
    col_plan = dict(zip(rng.sample(non_tight, len(COL_DEFECTS)), COL_DEFECTS))

    individuals, collectives, used = [], [], set()
    for unit, _, _, n_ind, n_col, profile in UNITS:
        planted = ind_plan.get(unit, [])
        rows = [make_person(rng, unit, profile, used) for _ in range(n_ind - len(planted))]
        for defect in planted:
            if defect in LEADER_DEFECTS:
                row = make_person(rng, unit, profile, used, "enterprise", "leader",
                                  LEADER_DEFECTS[defect])
            else:
                row = make_person(rng, unit, profile, used)
            plant(rng, row, defect)
            rows.append(row)
        rng.shuffle(rows)
        individuals += rows

        defect = col_plan.get(unit)
        rows = [make_collective(rng, unit, profile) for _ in range(n_col - (defect is not None))]
        if defect:
            admin = defect == "admin_county_unit"
            row = make_collective(rng, unit, profile, "institution" if admin else None, admin)
            plant(rng, row, defect)
            rows.append(row)
        rng.shuffle(rows)
        collectives += rows

    for i, row in enumerate(individuals, 1):
        row["id"] = f"I{i:04d}"
    for i, row in enumerate(collectives, 1):
        row["id"] = f"C{i:03d}"
    add_texts(seed, individuals, collectives)
    return individuals, collectives


def write_csv(path, columns, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2021, help="random seed (default 2021)")
    args = parser.parse_args()
    individuals, collectives = generate(args.seed)
    write_csv(HERE / "individuals.csv", IND_COLUMNS, individuals)
    write_csv(HERE / "collectives.csv", COL_COLUMNS, collectives)
    print(f"wrote {len(individuals)} individuals and {len(collectives)} collectives to {HERE}")


if __name__ == "__main__":
    main()
