"""Personal information and people counting (oasis-2, rag-2 detector)."""

from __future__ import annotations

import pytest

from addin_server.policy.detectors.personal import PersonScan, classify_header, scan_cells, scan_text


def count_text(text: str, cap: int = 1000) -> PersonScan:
    scan = PersonScan(cap=cap)
    scan_text(text, scan)
    return scan


# (text, distinct people)
TEXT_CASES = [
    ("山田太郎様からご相談がありました。", 1),
    ("佐藤さんと鈴木一郎氏が出席した。", 2),
    ("山田太郎様から電話があり、山田様に折り返した。", 1),  # surname alone = the full name
    ("担当：中島。", 1),
    ("連絡先 yamada@example.jp", 1),
    ("電話 06-1234-5678 にご連絡ください。", 1),
    ("大阪市北区中之島1-3-20 に住む方（昭和50年1月2日生まれ）", 1),  # one person, two identifiers
    ("a@example.jp と b@example.jp に送付。", 2),
    ("山田太郎様（電話 090-1111-2222、yamada@example.jp）", 1),  # identifiers tied to the name
    ("タナカ様より", 1),  # unknown katakana word before an honorific
    # negatives
    ("皆様、お客様、各位へのお知らせです。", 0),
    ("ABC株式会社様宛の請求書。", 0),
    ("令和6年度の予算は3億円です。市民課で受け付けます。", 0),
    ("大阪市では生成AIの利用ルールを定めています。", 0),
    ("会議は2024年4月1日に開催。", 0),  # a date that is not a birth date
    ("", 0),
]


@pytest.mark.parametrize(("text", "people"), TEXT_CASES)
def test_people_in_text(text: str, people: int) -> None:
    assert count_text(text).count == people


def test_items_have_spans_into_the_text() -> None:
    text = "担当は佐藤さん、電話は06-1234-5678です。"
    scan = count_text(text)
    kinds = {i.kind: text[i.start : i.end] for i in scan.items}
    assert kinds["name"] == "佐藤"
    assert kinds["phone"] == "06-1234-5678"


@pytest.mark.parametrize(
    ("header", "kind"),
    [("氏名", "name"), ("お名前", "name"), (" 住所 ", "address"), ("電話番号", "phone"), ("TEL", "phone"),
     ("生年月日", "birth_date"), ("メールアドレス", "email"), ("E-mail", "email"), ("個人番号", "identifier"),
     ("金額", None), ("備考", None), ("件名", None), (123, None)],
)
def test_classify_header(header: object, kind: str | None) -> None:
    assert classify_header(header) == kind


def test_table_rows_with_headers_are_people() -> None:
    cells = [
        ["No", "氏名", "生年月日", "金額"],
        [1, "山田 太郎", "1980/1/2", 1000],
        [2, "山田 太郎", "1990/3/4", 2000],  # same name, other birth date: another person
        [3, "山田 太郎", "1980/1/2", 3000],  # repeat
        [4, "", "", 4000],  # nobody
        [5, "佐藤 花子", None, 0],
    ]
    scan = PersonScan(cap=1000)
    scan_cells(cells, scan)
    assert scan.count == 3


def test_table_identified_by_other_columns() -> None:
    cells = [["メール", "電話"], ["a@example.jp", ""], ["", "06-1111-2222"], ["a@example.jp", ""]]
    scan = PersonScan(cap=1000)
    scan_cells(cells, scan)
    assert scan.count == 2


def test_headerless_table_reads_rows_as_lines() -> None:
    cells = [["山田太郎", "出席"], ["鈴木花子さん", "欠席"], ["連絡", "c@example.jp"], ["合計", 3]]
    scan = PersonScan(cap=1000)
    scan_cells(cells, scan)
    assert scan.count == 3
    assert all(i.row is not None for i in scan.items)


def test_counting_stops_at_the_cap() -> None:
    cells = [["氏名"]] + [[f"利用者{i}"] for i in range(5000)]
    scan = PersonScan(cap=100)
    scan_cells(cells, scan)
    assert scan.count == 100 and scan.truncated


@pytest.mark.parametrize(
    ("rows", "people"),
    [
        ([["山田太郎", "yamada@example.jp", "090-1111-2222"]], 1),  # identifiers tied to the row's name
        ([["山田", "太郎", "出席"]], 1),  # 姓 and 名 in adjacent cells
        ([["a@example.jp", "090-1111-2222"]], 1),  # one person, two kinds of identifier
        ([["a@example.jp", "b@example.jp"]], 2),
        ([["会議室", "予約済み"], ["備品", 3]], 0),
    ],
)
def test_headerless_rows(rows: list[list[object]], people: int) -> None:
    scan = PersonScan(cap=1000)
    scan_cells(rows, scan)
    assert scan.count == people


def test_headerless_spans_name_the_cell() -> None:
    scan = PersonScan(cap=1000)
    scan_cells([["出席", "担当 佐藤さん"]], scan)
    (i,) = scan.items
    assert (i.row, i.col, i.start, i.end) == (0, 1, 3, 5)
