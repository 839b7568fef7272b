"""The checker the crawler and the journeys use finds what it must and passes what people may read."""

from tests.e2e.crawl import shape, visible_links
from tests.e2e.page_checks import page_problems, text_problems


def test_english_words_codes_json_and_command_lines_are_found():
    problems = text_problems('操作人 bidder4；{"name": "价格"}；python -m sealing keygen；地区 310000；专业 A0801')
    assert any(p.startswith("English: bidder4") for p in problems)
    assert text_problems("文件 report.final 已上传") == ["English: final, report"]
    assert "bare region code 310000 (上海市)" in problems
    assert "bare specialty code A0801 (房屋建筑)" in problems
    assert any(p.startswith("JSON object") for p in problems)
    assert any(p.startswith("command line") for p in problems)


def test_names_with_their_codes_hashes_and_allowed_words_pass():
    assert text_problems("上海市 310000 · 房屋建筑 A0801 · 下载 PDF、CSV · SHA-256 9e35047e68a3f1c2 · 77.9 GiB") == []
    assert text_problems("招标文件.pdf · 证书文件（.cer、.crt、.pem 或 .der）") == []
    assert text_problems("回执 1e2fabcd-abd4-4c6d-91d5-0123456789ab · 证书 SH-PBZJ-20260001") == []
    # an anonymous 竞买号 is six random digits; one that happens to spell a region's code is not that code
    assert text_problems("当前价 3,000,000.00 · 竞买号 511083 ·") == []
    assert text_problems("地区 511083") == ["bare region code 511083 (四川省内江市隆昌市)"]


def test_only_visible_text_counts():
    html = ('<p>开标</p><script>const x = {"a": 1};</script><div hidden>debug</div>'
            '<input type="hidden" value="secret"><button title="Close">关闭</button>')
    assert page_problems(html) == ["English: Close"]
    assert page_problems("指纹 <code>9e35047e68a3</code> 文件 <code>bid.sealed</code>") == []
    assert page_problems("<code>python -m sealing share-decrypt share.json</code>") == [
        "command line: 'python -m '"]
    switch = '<select><option lang="zh-hans">简体中文</option><option lang="en">English</option></select>'
    assert page_problems(switch) == []


def test_links_inside_hidden_parts_are_not_followed_and_shapes_bound_the_crawl():
    html = '<a href="/a/">a</a><div hidden><a href="/b/">b</a></div><a href="/c/">c</a>'
    assert visible_links(html) == ["/a/", "/c/"]
    assert shape("/projects/312/") == shape("/projects/7/") == "/projects/N/"
