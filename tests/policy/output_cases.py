"""Our own (source, answer, expectation) set for the common-5 output check, by group.

Each case lists the parts of the answer that must be flagged (empty: a faithful answer, nothing
may be flagged). Written for this project from the kinds of errors a model makes when it
summarizes municipal documents (wrong units, swapped subjects, shifted dates, added weekdays,
miscounted lists, invented names) and from faithful rewrites it must accept (unit and era
conversions, 午後5時 = 17時). `KNOWN_MISSES` names the cases the checker gets wrong today; they
run as expected failures and count against the figures in docs/policy.md.
"""

from __future__ import annotations

from typing import NamedTuple


class Case(NamedTuple):
    group: str
    source: str
    answer: str
    flagged: tuple[str, ...]


def term_case(answer: str, flagged: tuple[str, ...]) -> Case:
    # The answer is its own source: only the term check can flag anything (a proofread's answer
    # mostly repeats its source).
    return Case("terms", answer, answer, flagged)


FEES = ("市立科学館の入館料は、大人600円、高校・大学生400円、中学生以下無料です。"
        "開館時間は午前9時30分から午後5時まで（入館は午後4時30分まで）。休館日は毎週月曜日です。")
BUDGET = ("令和7年度の本事業の予算額は12,000千円、令和6年度の決算額は11,500千円でした。"
          "総事業費は3億5,000万円で、うち国庫補助金は1億2,000万円です。")
SCHEDULE = ("申請受付期間は令和8年4月1日（水）から5月31日（日）までです。審査結果は6月中旬に通知します。"
            "説明会は4月15日（水）午後2時から、市役所本庁舎で開催します。")
SURVEY = ("アンケートには1,250人が回答し、回答者の約3割が「満足」、約45%が「やや満足」と答えました。"
          "前年度の回答者数は1,000人でした。")
SITES = "市内5か所の区役所で出張相談を行います。対象は市内在住の65歳以上の方で、定員は各会場30人です。"
LIST = ("本市は次の取組を進めます。\n・窓口のオンライン化\n・相談体制の強化\n・職員研修の充実\n"
        "あわせて、防災、福祉及び教育の分野で連携します。")
NAMES = ("担当：大阪市こども青少年局子育て支援部管理課（電話 06-6208-8111、メール kosodate@city.osaka.lg.jp）。"
         "詳細は https://www.city.osaka.lg.jp/kodomo/page/0000123456.html をご覧ください。"
         "本事業は子ども・子育て支援法及び大阪市こども基本条例に基づき実施します。"
         "会場は中央図書館と大阪市立自然史博物館です。")
SIZES = "整備区間の延長は約12km、公園の面積は1,200平方メートルです。工事期間は18か月を予定しています。"
HOURS = "窓口の受付時間は午前8時45分から午後5時15分までです。昼休みは12時から13時です。"
AREA = "対象地域の人口は約27万5千人で、世帯数は14万2,300世帯です。高齢化率は26.4%です。"
COUNTS = "昨年度の相談件数は北区で120件、中央区で80件でした。参加した学校は12校です。"

CASES: list[Case] = [
    # -- amounts and units: a changed magnitude or a changed value is flagged ------------------
    Case("units", BUDGET, "予算額は12,000円です。", ("12,000円",)),
    Case("units", BUDGET, "予算額は12,000万円です。", ("12,000万円",)),
    Case("units", BUDGET, "予算額は1,200万円です。", ()),
    Case("units", BUDGET, "予算額は1,200千円です。", ("1,200千円",)),
    Case("units", BUDGET, "総事業費は3億5,000万円です。", ()),
    Case("units", BUDGET, "総事業費は3.5億円です。", ()),
    Case("units", BUDGET, "総事業費は35億円です。", ("35億円",)),
    Case("units", BUDGET, "総事業費は350,000千円です。", ()),
    Case("units", BUDGET, "国庫補助金は1.2億円です。", ()),
    Case("units", BUDGET, "国庫補助金は12億円です。", ("12億円",)),
    Case("units", SIZES, "延長は約12kmです。", ()),
    Case("units", SIZES, "延長は約12mです。", ("12m",)),
    Case("units", SIZES, "延長は約12,000メートルです。", ()),
    Case("units", SIZES, "面積は1,200平方メートルです。", ()),
    Case("units", SIZES, "面積は1,200ヘクタールです。", ("1,200ヘクタール",)),
    Case("units", SIZES, "面積は1,200㎡です。", ()),
    Case("units", SIZES, "面積は0.12haです。", ()),
    Case("units", SIZES, "工事期間は18か月です。", ()),
    Case("units", SIZES, "工事期間は1年6か月の予定です。", ()),
    Case("units", SIZES, "工事期間は18年です。", ("18年",)),
    Case("units", AREA, "人口は約27万5千人です。", ()),
    Case("units", AREA, "人口は約275,000人です。", ()),
    Case("units", AREA, "人口は約27.5万人です。", ()),
    Case("units", AREA, "人口は約2万7,500人です。", ("2万7,500人",)),
    Case("units", AREA, "世帯数は142,300世帯です。", ()),
    Case("units", AREA, "世帯数は14万2,000世帯です。", ("14万2,000世帯",)),
    # -- subjects: a value moved to another subject is flagged --------------------------------
    Case("subjects", FEES, "入館料は大人600円、高校・大学生400円です。", ()),
    Case("subjects", FEES, "入館料は大人400円、高校・大学生600円です。", ("400円", "600円")),
    Case("subjects", FEES, "大人の入館料は600円です。", ()),
    Case("subjects", FEES, "大人は400円です。", ("400円",)),
    Case("subjects", FEES, "入館料は600円（大人）です。", ()),
    Case("subjects", BUDGET, "予算額は12,000千円、決算額は11,500千円です。", ()),
    Case("subjects", BUDGET, "予算額は11,500千円、決算額は12,000千円です。", ("11,500千円", "12,000千円")),
    Case("subjects", BUDGET, "決算額は1,150万円でした。", ()),
    Case("subjects", BUDGET, "決算額は1,200万円でした。", ("1,200万円",)),
    Case("subjects", BUDGET, "国庫補助金は3億5,000万円です。", ("3億5,000万円",)),
    Case("subjects", SURVEY, "回答者は1,250人でした。", ()),
    Case("subjects", SURVEY, "前年度の回答者数は1,250人でした。", ("1,250人",)),
    Case("subjects", SITES, "定員は各会場30人です。", ()),
    Case("subjects", SITES, "定員は各会場65人です。", ("65人",)),
    Case("subjects", COUNTS, "北区は120件、中央区は80件でした。", ()),
    Case("subjects", COUNTS, "北区は80件、中央区は120件でした。", ("80件", "120件")),
    # -- dates and eras ------------------------------------------------------------------------
    Case("dates", SCHEDULE, "受付は5月31日までです。", ()),
    Case("dates", SCHEDULE, "受付は6月1日までです。", ("6月1日",)),
    Case("dates", SCHEDULE, "受付は2026年4月1日からです。", ()),
    Case("dates", SCHEDULE, "受付は2025年4月1日からです。", ("2025年4月1日",)),
    Case("dates", SCHEDULE, "受付は令和8年4月1日からです。", ()),
    Case("dates", SCHEDULE, "受付は令和7年4月1日からです。", ("令和7年4月1日",)),
    Case("dates", SCHEDULE, "受付は2026/4/1から5/31までです。", ()),
    Case("dates", SCHEDULE, "受付は2026-04-01からです。", ()),
    Case("dates", SCHEDULE, "受付は4月2日からです。", ("4月2日",)),
    Case("dates", SCHEDULE, "結果は6月中旬に通知されます。", ()),
    Case("dates", SCHEDULE, "結果は7月中旬に通知されます。", ("7月",)),
    Case("dates", SCHEDULE, "説明会は4月15日です。", ()),
    Case("dates", SCHEDULE, "説明会は4月16日です。", ("4月16日",)),
    Case("dates", BUDGET, "2025年度の予算額は12,000千円です。", ()),
    Case("dates", BUDGET, "2024年度の決算額は11,500千円です。", ()),
    Case("dates", BUDGET, "2026年度の予算額は12,000千円です。", ("2026年度",)),
    Case("dates", BUDGET, "令和7年度の予算額は1,200万円です。", ()),
    Case("dates", BUDGET, "令和8年度の予算額は1,200万円です。", ("令和8年度",)),
    Case("dates", "平成31年4月30日で平成は終わり、令和元年5月1日に改元された。", "2019年5月1日に改元された。", ()),
    Case("dates", "平成31年4月30日で平成は終わり、令和元年5月1日に改元された。", "2020年5月1日に改元された。",
         ("2020年5月1日",)),
    Case("dates", "二〇二五年十月一日から施行する。", "2025年10月1日から施行します。", ()),
    # -- weekdays ------------------------------------------------------------------------------
    Case("weekdays", SCHEDULE, "受付は4月1日（水）からです。", ()),
    Case("weekdays", SCHEDULE, "受付は4月1日（火）からです。", ("4月1日（火）",)),
    Case("weekdays", SCHEDULE, "受付は令和8年4月1日(水)からです。", ()),
    Case("weekdays", SCHEDULE, "締切は5月31日（日）です。", ()),
    Case("weekdays", SCHEDULE, "締切は5月31日（月）です。", ("5月31日（月）",)),
    Case("weekdays", SCHEDULE, "締切は5月31日日曜日です。", ()),
    Case("weekdays", SCHEDULE, "説明会は4月15日（金）です。", ("4月15日（金）",)),
    Case("weekdays", "令和7年10月1日から新制度が始まります。", "10月1日（水）から始まります。", ()),
    Case("weekdays", "令和7年10月1日から新制度が始まります。", "10月1日（金）から始まります。", ("10月1日（金）",)),
    Case("weekdays", "令和7年4月1日から受付します。", "令和7年4月1日（火）から受付します。", ()),
    Case("weekdays", "令和7年4月1日から受付します。", "令和7年4月1日（金）から受付します。", ("令和7年4月1日（金）",)),
    Case("weekdays", "令和7年度の説明会は3月1日に開催します。", "説明会は2026年3月1日（日）です。", ()),
    Case("weekdays", "令和7年度の説明会は3月1日に開催します。", "説明会は3月1日（土）です。", ("3月1日（土）",)),
    Case("weekdays", "2025年12月25日に開催します。", "12月25日（木）に開催します。", ()),
    # -- times ---------------------------------------------------------------------------------
    Case("times", FEES, "開館時間は9時30分から17時までです。", ()),
    Case("times", FEES, "開館時間は9:30から17:00までです。", ()),
    Case("times", FEES, "開館は午前9時半からです。", ()),
    Case("times", FEES, "閉館は午後6時です。", ("午後6時",)),
    Case("times", FEES, "入館は16時30分までです。", ()),
    Case("times", FEES, "入館は17時30分までです。", ("17時30分",)),
    Case("times", HOURS, "受付は8時45分から17時15分までです。", ()),
    Case("times", HOURS, "受付は8時45分から17時45分までです。", ("17時45分",)),
    Case("times", HOURS, "昼休みは正午から午後1時までです。", ()),
    Case("times", SCHEDULE, "説明会は14時からです。", ()),
    Case("times", SCHEDULE, "説明会は15時からです。", ("15時",)),
    # -- counts and listed things --------------------------------------------------------------
    Case("counts", LIST, "本市は三つの取組を進めます。", ()),
    Case("counts", LIST, "本市は四つの取組を進めます。", ("四つ",)),
    Case("counts", LIST, "本市は2つの取組を進めます。", ("2つ",)),
    Case("counts", LIST, "防災・福祉・教育の三つの分野で連携します。", ()),
    Case("counts", LIST, "防災・福祉・教育の四つの分野で連携します。", ("四つ",)),
    Case("counts", LIST, "要点は3点です。", ()),
    Case("counts", SITES, "市内5か所で実施します。", ()),
    Case("counts", SITES, "市内6か所で実施します。", ("6か所",)),
    Case("counts", SITES, "市内5カ所で実施します。", ()),
    Case("counts", SITES, "対象は65歳以上です。", ()),
    Case("counts", SITES, "対象は60歳以上です。", ("60歳",)),
    Case("counts", COUNTS, "参加校は12校です。", ()),
    Case("counts", COUNTS, "参加校は13校です。", ("13校",)),
    Case("counts", "市内の図書館は24館あります。", "市内の図書館は24館です。", ()),
    Case("counts", "相談員を3名配置します。", "相談員を3人配置します。", ()),
    Case("counts", "相談員を3名配置します。", "相談員を4人配置します。", ("4人",)),
    # -- ratios and percentages ----------------------------------------------------------------
    Case("ratios", SURVEY, "回答者の約3割が満足と答えました。", ()),
    Case("ratios", SURVEY, "回答者の約4割が満足と答えました。", ("4割",)),
    Case("ratios", SURVEY, "回答者の約30%が満足と答えました。", ()),
    Case("ratios", SURVEY, "約45%がやや満足と答えました。", ()),
    Case("ratios", SURVEY, "約54%がやや満足と答えました。", ("54%",)),
    Case("ratios", SURVEY, "約4割5分がやや満足と答えました。", ()),
    Case("ratios", AREA, "高齢化率は26.4%です。", ()),
    Case("ratios", AREA, "高齢化率は24.6%です。", ("24.6%",)),
    Case("ratios", AREA, "高齢化率は26.4パーセントです。", ()),
    Case("ratios", AREA, "高齢化率は約2割6分です。", ()),
    # -- derived values (flagged for checking, never called wrong) ------------------------------
    Case("derived", COUNTS, "相談件数は合計200件でした。", ("200件",)),
    Case("derived", COUNTS, "北区は中央区より40件多い120件でした。", ("40件",)),
    Case("derived", BUDGET, "決算額は前年度の予算との差で500千円少ない11,500千円でした。", ("500千円",)),
    Case("derived", SURVEY, "回答者は前年度より250人増えました。", ("250人",)),
    Case("derived", SURVEY, "回答者は前年度より300人増えました。", ("300人",)),
    Case("derived", BUDGET, "国庫補助金を除く事業費は2億3,000万円です。", ("2億3,000万円",)),
    Case("derived", "参加者100人のうち、満足と答えた人は30人でした。", "満足と答えた人は約3割でした。", ("3割",)),
    Case("derived", "参加者100人のうち、満足と答えた人は30人でした。", "満足と答えた人は30人でした。", ()),
    # -- organizations -------------------------------------------------------------------------
    Case("names", NAMES, "担当はこども青少年局です。", ()),
    Case("names", NAMES, "担当は福祉局です。", ("福祉局",)),
    Case("names", NAMES, "担当は子育て支援部管理課です。", ()),
    Case("names", NAMES, "担当は子育て支援部企画課です。", ("企画課",)),
    Case("names", NAMES, "担当は大阪市健康局です。", ("健康局",)),
    Case("names", NAMES, "担当課にお問い合わせください。", ()),
    Case("names", "本件は大阪市地域福祉推進協議会で審議されました。", "本件は地域福祉推進協議会で審議されました。", ()),
    Case("names", "本件は大阪市地域福祉推進協議会で審議されました。", "本件は大阪市社会福祉審議会で審議されました。",
         ("大阪市社会福祉審議会",)),
    Case("names", "相談は市民相談センターで受け付けます。", "相談は市民相談センターへ。", ()),
    Case("names", "相談は市民相談センターで受け付けます。", "相談は消費生活センターへ。", ("消費生活センター",)),
    # -- laws and ordinances -------------------------------------------------------------------
    Case("names", NAMES, "子ども・子育て支援法に基づく事業です。", ()),
    Case("names", NAMES, "児童福祉法に基づく事業です。", ("児童福祉法",)),
    Case("names", NAMES, "大阪市こども基本条例に基づき実施します。", ()),
    Case("names", NAMES, "大阪市こども安全条例に基づき実施します。", ("大阪市こども安全条例",)),
    Case("names", "生成AIの利用に関する指針を定めました。", "生成AI適正利用促進法に基づき定めました。",
         ("生成AI適正利用促進法",)),
    Case("names", "個人情報の保護に関する法律に基づき管理します。", "個人情報の保護に関する法律に従います。", ()),
    Case("names", "個人情報の保護に関する法律に基づき管理します。", "行政手続における特定の個人を識別するための番号の利用等に関する法律に従います。",
         ("行政手続における特定の個人を識別するための番号の利用等に関する法律",)),
    Case("names", "大阪市補助金交付規則に基づき交付します。", "大阪市補助金交付要綱に基づき交付します。",
         ("大阪市補助金交付要綱",)),
    Case("names", "申請の方法は次のとおりです。", "申請方法は郵送です。", ()),
    # -- facilities ----------------------------------------------------------------------------
    Case("names", NAMES, "会場は中央図書館です。", ()),
    Case("names", NAMES, "会場は島之内図書館です。", ("島之内図書館",)),
    Case("names", NAMES, "会場は大阪市立自然史博物館です。", ()),
    Case("names", NAMES, "会場は大阪市立美術館です。", ("大阪市立美術館",)),
    Case("names", "会場は中之島公会堂と扇町公園です。", "会場は扇町公園です。", ()),
    Case("names", "会場は中之島公会堂と扇町公園です。", "会場は靱公園です。", ("靱公園",)),
    # -- URLs, e-mail addresses, phone numbers -------------------------------------------------
    Case("contacts", NAMES, "詳細は https://www.city.osaka.lg.jp/kodomo/page/0000123456.html をご覧ください。", ()),
    Case("contacts", NAMES, "詳細は https://www.city.osaka.lg.jp/kodomo/page/0000123457.html をご覧ください。",
         ("https://www.city.osaka.lg.jp/kodomo/page/0000123457.html",)),
    Case("contacts", NAMES, "詳細は https://www.city.osaka.lg.jp/kenko/page/0000123456.html へ。",
         ("https://www.city.osaka.lg.jp/kenko/page/0000123456.html",)),
    Case("contacts", NAMES, "詳細はhttps://city.osaka.lg.jp/kodomo/page/0000123456.htmlへ。", ()),
    Case("contacts", NAMES, "電話は06-6208-8111です。", ()),
    Case("contacts", NAMES, "電話は06-6208-8112です。", ("06-6208-8112",)),
    Case("contacts", NAMES, "電話は(06)6208-8111です。", ()),
    Case("contacts", NAMES, "電話は０６－６２０８－８１１１です。", ()),
    Case("contacts", NAMES, "メールは kosodate@city.osaka.lg.jp へ。", ()),
    Case("contacts", NAMES, "メールは kosodate@city.osaka.jp へ。", ("kosodate@city.osaka.jp",)),
    Case("contacts", NAMES, "メールは kodomo@city.osaka.lg.jp へ。", ("kodomo@city.osaka.lg.jp",)),
    Case("contacts", NAMES, "メールはKOSODATE@CITY.OSAKA.LG.JPへ。", ()),
    # -- faithful summaries with several facts -------------------------------------------------
    Case("faithful", FEES, "科学館の入館料は大人600円、高校・大学生400円で、中学生以下は無料。月曜休館。", ()),
    Case("faithful", BUDGET, "令和7年度予算は1,200万円、前年度決算は1,150万円。総事業費3.5億円のうち国庫補助金1.2億円。",
         ()),
    Case("faithful", SCHEDULE, "2026年4月1日（水）～5月31日（日）に受付、6月中旬に結果通知。説明会は4/15（水）14時、本庁舎。",
         ()),
    Case("faithful", SURVEY, "1,250人が回答し、約3割が満足、約45%がやや満足。前年度は1,000人。", ()),
    Case("faithful", SITES, "5か所の区役所で65歳以上の市民を対象に出張相談（各会場定員30名）。", ()),
    Case("faithful", SIZES, "約12kmの区間と1,200㎡の公園を18か月かけて整備する。", ()),
    Case("faithful", HOURS, "受付は8:45～17:15、昼休みは12時～13時。", ()),
    Case("faithful", AREA, "人口約27.5万人、142,300世帯、高齢化率26.4%。", ()),
    Case("faithful", NAMES, "問合せはこども青少年局子育て支援部管理課（06-6208-8111）まで。", ()),
    Case("faithful", LIST, "オンライン化、相談体制、研修の3つの取組を進める。", ()),
    # -- inappropriate terms as words ----------------------------------------------------------
    term_case("ページをめくらないでください。", ()),
    term_case("ページをめくらずに読めます。", ()),
    term_case("海外人材の活用を進めます。", ()),
    term_case("外人観光客が増えています。", ("外人",)),
    term_case("父兄の皆さまへのお知らせです。", ("父兄",)),
    term_case("保護者の皆さまへのお知らせです。", ()),
    term_case("看護婦として勤務しています。", ("看護婦",)),
    term_case("看護師として勤務しています。", ()),
    term_case("対応が片手落ちでした。", ("片手落ち",)),
    term_case("女流作家の講演会です。", ("女流",)),
    term_case("痴呆症の方への支援です。", ("痴呆症",)),
    term_case("認知症の方への支援です。", ()),
    term_case("スチュワーデスの経験があります。", ("スチュワーデス",)),
    term_case("ホモジニアスな混合物です。", ()),
    term_case("土方歳三の資料を展示します。", ()),
    term_case("土方の仕事をしています。", ("土方",)),
    term_case("片親の家庭への支援です。", ("片親",)),
    term_case("ひとり親家庭への支援です。", ()),
    term_case("後進国への援助です。", ("後進国",)),
    term_case("保母さんが迎えに来ました。", ("保母",)),
    term_case("彼の態度は女々しい。", ("女々しい",)),
    term_case("気違いじみた暑さです。", ("気違い",)),
    term_case("百姓一揆の歴史を学びます。", ("百姓",)),
    term_case("精神分裂病は現在の統合失調症です。", ("精神分裂病",)),
]

# Cases the checker gets wrong today (index into CASES -> why); see docs/policy.md.
# Added in round 2's second session after the third set's first run, from gaps found beside it
# (tuning cases, not held out): a total is not a value of its subject, and a subject may be a
# topic (高齢者世帯は上限120万円).
CAPS = "補助の上限は100万円です（高齢者世帯は上限120万円）。北区の相談件数は120件、中央区の相談件数は80件でした。"
CASES += [
    Case("derived", CAPS, "北区と中央区の相談件数は合計200件でした。", ("200件",)),
    Case("derived", CAPS + "合計は200件です。", "北区と中央区の相談件数の合計は200件でした。", ()),
    Case("subjects", CAPS, "補助の上限は一般世帯120万円、高齢者世帯100万円です。", ("100万円",)),
    Case("subjects", CAPS, "高齢者世帯の上限は100万円です。", ("100万円",)),
    Case("subjects", CAPS, "高齢者世帯の上限は120万円、それ以外は100万円です。", ()),
    Case("subjects", CAPS, "一般世帯の上限は120万円です。", ("120万円",)),
    Case("subjects", CAPS, "中央区の相談件数は120件でした。", ("120件",)),
    Case("subjects", CAPS, "中央区の相談件数は80件、北区は120件でした。", ()),
]

KNOWN_MISSES: dict[int, str] = {
    198: "補助の上限 gives the general cap the topic 補助, which disagrees with the answer's 一般世帯 as "
         "much as 高齢者世帯 does: a topic naming a context and one naming a group read alike",
}


# A second set written after the checker was tuned on CASES and run once as written: its figures
# in docs/policy.md are the honest estimate. Failures go to KNOWN_MISSES_HELD_OUT, not into fixes.
EVENT = ("第12回市民フォーラムを令和7年11月8日（土）午後1時30分から、中央公会堂で開催します。"
         "定員は先着200名、参加費は500円（高校生以下は無料）です。申込みは10月31日（金）まで、"
         "電話 06-6208-7777 またはメール forum@city.osaka.lg.jp で受け付けます。")
PLAN = ("本計画の期間は令和7年度から令和11年度までの5年間です。重点施策は次のとおりです。\n"
        "(1) 子育て世帯への住宅支援\n(2) 保育所の待機児童の解消\n(3) 放課後の居場所づくり\n(4) 若者の就労支援\n"
        "事業費は総額48億円を見込み、うち市費は約6割です。")
REPORT = ("令和6年度の不法投棄の通報件数は342件で、前年度の415件から73件減少しました。"
          "回収した廃棄物は約18トンでした。監視カメラは市内40か所に設置しています。所管は環境局です。")

HELD_OUT: list[Case] = [
    Case("units", REPORT, "回収量は約18トンでした。", ()),
    Case("units", REPORT, "回収量は約18キログラムでした。", ("18キログラム",)),
    Case("units", REPORT, "回収量は約1万8千kgでした。", ()),
    Case("units", PLAN, "事業費は総額48億円です。", ()),
    Case("units", PLAN, "事業費は総額48億円、うち市費は約29億円です。", ("29億円",)),
    Case("units", PLAN, "事業費は総額4.8億円です。", ("4.8億円",)),
    Case("units", EVENT, "参加費は500円です。", ()),
    Case("units", EVENT, "参加費は5,000円です。", ("5,000円",)),
    Case("subjects", REPORT, "令和6年度は415件、前年度は342件でした。", ("415件", "342件")),
    Case("subjects", REPORT, "通報件数は342件でした。", ()),
    Case("subjects", EVENT, "定員は500名です。", ("500名",)),
    Case("subjects", EVENT, "定員は先着200人です。", ()),
    Case("dates", EVENT, "フォーラムは2025年11月8日に開催されます。", ()),
    Case("dates", EVENT, "フォーラムは2025年11月9日に開催されます。", ("2025年11月9日",)),
    Case("dates", EVENT, "申込みは10月31日までです。", ()),
    Case("dates", EVENT, "申込みは11月1日までです。", ("11月1日",)),
    Case("dates", PLAN, "計画期間は2025年度から2029年度までです。", ()),
    Case("dates", PLAN, "計画期間は2025年度から2030年度までです。", ("2030年度",)),
    Case("weekdays", EVENT, "11月8日（土）に開催します。", ()),
    Case("weekdays", EVENT, "11月8日（日）に開催します。", ("11月8日（日）",)),
    Case("weekdays", EVENT, "締切は10月31日（木）です。", ("10月31日（木）",)),
    Case("weekdays", EVENT, "締切は10月31日金曜日です。", ()),
    Case("times", EVENT, "開始は13時30分です。", ()),
    Case("times", EVENT, "開始は13:30です。", ()),
    Case("times", EVENT, "開始は午後3時30分です。", ("午後3時30分",)),
    Case("counts", PLAN, "重点施策は四つです。", ()),
    Case("counts", PLAN, "五つの重点施策を進めます。", ("五つ",)),
    Case("counts", PLAN, "計画期間は5年間です。", ()),
    Case("counts", PLAN, "計画期間は6年間です。", ("6年間",)),
    Case("counts", REPORT, "監視カメラは40か所に設置されています。", ()),
    Case("counts", REPORT, "監視カメラは45か所に設置されています。", ("45か所",)),
    Case("counts", EVENT, "第12回のフォーラムです。", ()),
    Case("counts", EVENT, "第13回のフォーラムです。", ("第13回",)),
    Case("ratios", PLAN, "市費は約6割です。", ()),
    Case("ratios", PLAN, "市費は約60%です。", ()),
    Case("ratios", PLAN, "市費は約8割です。", ("8割",)),
    Case("derived", REPORT, "通報件数は前年度から73件減りました。", ()),
    Case("derived", REPORT, "通報件数は前年度から約2割減りました。", ("2割",)),
    Case("names", REPORT, "所管は環境局です。", ()),
    Case("names", REPORT, "所管は建設局です。", ("建設局",)),
    Case("names", EVENT, "会場は中央公会堂です。", ()),
    Case("names", EVENT, "会場は市民交流センターです。", ("市民交流センター",)),
    Case("names", REPORT, "廃棄物処理法に基づき対応します。", ("廃棄物処理法",)),
    Case("contacts", EVENT, "電話06-6208-7777で受け付けます。", ()),
    Case("contacts", EVENT, "電話06-6208-7778で受け付けます。", ("06-6208-7778",)),
    Case("contacts", EVENT, "メール forum@city.osaka.lg.jp で受け付けます。", ()),
    Case("contacts", EVENT, "メール forum2025@city.osaka.lg.jp で受け付けます。", ("forum2025@city.osaka.lg.jp",)),
    Case("faithful", EVENT, "第12回市民フォーラムは2025年11月8日（土）13時30分から中央公会堂で。定員200名、参加費500円"
         "（高校生以下無料）。10/31（金）までに電話かメールで申込み。", ()),
    Case("faithful", PLAN, "2025～2029年度の5年間の計画で、住宅支援、待機児童解消、居場所づくり、就労支援の4施策を柱とする。"
         "総事業費48億円の約6割が市費。", ()),
    Case("faithful", REPORT, "2024年度の不法投棄通報は342件（前年度比73件減）。回収量約18t、監視カメラ40か所。", ()),
    term_case("障害者の就労支援について、父兄会で説明しました。", ("父兄",)),
    term_case("めくら判を押すような審査は避けるべきです。", ("めくら",)),
    term_case("外国人材の受入れを進めます。", ()),
    term_case("ページをめくらない限り見えません。", ()),
    term_case("痴呆の進行を遅らせる取組です。", ("痴呆",)),
    term_case("婦警さんが交通整理をしていました。", ("婦警",)),
]

KNOWN_MISSES_HELD_OUT: dict[int, str] = {
    8: "the swapped 415件 passes: 令和6年度 (once read as 年度, matching 前年度) is now 2024年度, but the "
       "source's 342件 sits two levels below its year (令和6年度の不法投棄の通報件数), and topics are one level",
}


# A third set, written in round 2's second session after the speed work, from four new kinds of
# document, and run once as written (its first-run score is in docs/policy.md). As with
# HELD_OUT, failures go to KNOWN_MISSES_HELD_OUT_2 first; fixes made afterwards are named there.
SUBSIDY = ("令和8年度 住宅耐震改修補助金のご案内。補助額は改修工事費の2分の1、上限は100万円です"
           "（高齢者世帯は上限120万円）。受付期間は令和8年5月11日（月）から令和9年1月29日（金）まで。"
           "予算の上限は2億4,000万円で、先着順に受け付けます。申請窓口は都市整備局住宅部（電話 06-6208-9999）。"
           "詳しくは https://www.city.osaka.lg.jp/toshiseibi/page/0000654321.html をご覧ください。")
CHECKUP = ("特定健康診査を市内312か所の医療機関で実施します。対象は40歳から74歳までの国民健康保険加入者で、"
           "受診料は無料です。昨年度の受診率は28.6%で、目標の60%を大きく下回りました。"
           "受診者数は約9万2千人でした。")
MEETING = ("第3回大阪市地域福祉推進会議は、令和8年2月17日（火）午前10時から正午まで、市役所P1会議室で開催します。"
           "傍聴定員は10名で、当日午前9時30分から先着順に受け付けます。議題は次の3点です。\n"
           "・地域福祉計画の進捗\n・見守り活動の報告\n・次期計画の策定スケジュール")
BULKY = ("粗大ごみの収集手数料は、品目により1点につき200円から1,000円です。申込みは収集日の3日前までに、"
         "粗大ごみ収集受付センター（電話 0120-79-0053）へお願いします。"
         "令和7年度の申込件数は約38万件で、前年度比3.2%増でした。")

HELD_OUT_2: list[Case] = [
    Case("units", SUBSIDY, "上限は100万円です。", ()),
    Case("units", SUBSIDY, "上限は1,000千円です。", ()),
    Case("units", SUBSIDY, "上限は100円です。", ("100円",)),
    Case("units", SUBSIDY, "予算の上限は2.4億円です。", ()),
    Case("units", SUBSIDY, "予算の上限は24億円です。", ("24億円",)),
    Case("units", CHECKUP, "受診者数は約9.2万人でした。", ()),
    Case("units", CHECKUP, "受診者数は約92万人でした。", ("92万人",)),
    Case("subjects", CHECKUP, "受診率は60%で、目標の28.6%を上回りました。", ("60%", "28.6%")),
    Case("subjects", CHECKUP, "受診率は28.6%、目標は60%でした。", ()),
    Case("subjects", MEETING, "傍聴定員は20名です。", ("20名",)),
    Case("subjects", MEETING, "傍聴定員は10名です。", ()),
    Case("dates", SUBSIDY, "受付は2026年5月11日からです。", ()),
    Case("dates", SUBSIDY, "受付は2026年5月12日からです。", ("2026年5月12日",)),
    Case("dates", SUBSIDY, "受付は令和9年1月29日までです。", ()),
    Case("dates", SUBSIDY, "受付は令和9年1月31日までです。", ("令和9年1月31日",)),
    Case("dates", MEETING, "会議は2026年2月17日に開きます。", ()),
    Case("weekdays", SUBSIDY, "受付開始は5月11日（火）です。", ("5月11日（火）",)),
    Case("weekdays", SUBSIDY, "締切は1月29日（木）です。", ("1月29日（木）",)),
    Case("weekdays", MEETING, "会議は2月17日（火）に開きます。", ()),
    Case("weekdays", MEETING, "会議は2月17日火曜日に開きます。", ()),
    Case("times", MEETING, "会議は午前10時から12時までです。", ()),
    Case("times", MEETING, "傍聴の受付は9時30分からです。", ()),
    Case("times", MEETING, "傍聴の受付は10時30分からです。", ("10時30分",)),
    Case("counts", MEETING, "議題は3点です。", ()),
    Case("counts", MEETING, "議題は4点です。", ("4点",)),
    Case("counts", CHECKUP, "市内312か所で実施します。", ()),
    Case("counts", CHECKUP, "市内321か所で実施します。", ("321か所",)),
    Case("counts", MEETING, "第4回の会議です。", ("第4回",)),
    Case("ratios", CHECKUP, "受診率は約3割でした。", ()),
    Case("ratios", CHECKUP, "受診率は約4割でした。", ("4割",)),
    Case("ratios", BULKY, "申込件数は前年度比約3%増えました。", ()),
    Case("ratios", BULKY, "申込件数は前年度比5.2%増えました。", ("5.2%",)),
    # Written first with no flag expected: a case error, corrected after the first run (120万円 −
    # 100万円 is to be flagged as a derived value to check, as the issue asks).
    Case("derived", SUBSIDY, "高齢者世帯の上限は一般より20万円高くなっています。", ("20万円",)),
    Case("names", SUBSIDY, "申請窓口は都市整備局です。", ()),
    Case("names", SUBSIDY, "申請窓口は建設局です。", ("建設局",)),
    Case("names", BULKY, "粗大ごみ収集受付センターへ申し込みます。", ()),
    Case("names", SUBSIDY, "耐震改修促進法に基づく制度です。", ("耐震改修促進法",)),
    Case("names", SUBSIDY, "大阪市住宅耐震化条例に基づく制度です。", ("大阪市住宅耐震化条例",)),
    Case("contacts", BULKY, "電話0120-79-0053で受け付けます。", ()),
    Case("contacts", BULKY, "電話0120-79-0035で受け付けます。", ("0120-79-0035",)),
    Case("contacts", SUBSIDY, "詳しくは https://www.city.osaka.lg.jp/toshiseibi/page/0000654322.html をご覧ください。",
         ("https://www.city.osaka.lg.jp/toshiseibi/page/0000654322.html",)),
    Case("faithful", SUBSIDY, "令和8年度の住宅耐震改修補助金は工事費の半分（上限100万円、高齢者世帯は120万円）を補助。"
         "受付は2026年5月11日（月）～2027年1月29日（金）、予算2.4億円で先着順。", ()),
    Case("faithful", CHECKUP, "特定健診は市内312か所で、40～74歳の国保加入者は無料。昨年度の受診率28.6%は目標60%を下回り、"
         "受診者は約9万2千人。", ()),
    Case("faithful", MEETING, "第3回地域福祉推進会議：2026年2月17日（火）10:00～12:00、P1会議室。傍聴10名"
         "（先着、9:30受付開始）。議題は3点。", ()),
    Case("faithful", BULKY, "粗大ごみの手数料は1点200～1,000円。収集日の3日前までに受付センターへ。"
         "2025年度の申込みは約38万件（前年度比3.2%増）。", ()),
    term_case("保母さんが子どもたちを見守っています。", ("保母",)),
    term_case("片手落ちの対応にならないようにします。", ("片手落ち",)),
    term_case("国外人口の推移を分析します。", ()),
    term_case("看護師と保育士が対応します。", ()),
    term_case("色盲の方にも見やすい配色にします。", ("色盲",)),
]

# First run: 47 / 50. One was a case error (the derived 20万円, corrected above); two were a
# real gap, 正午 not read as 12時 (cases "会議は午前10時から12時まで" and the meeting's faithful
# summary with 12:00), fixed afterwards in quantities._TIME. Nothing is left here.
KNOWN_MISSES_HELD_OUT_2: dict[int, str] = {}
