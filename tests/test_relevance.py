"""Issue 4, through the real app over a real index: abbreviations, i/y and d/gi spellings, Telex/VNI keystrokes,
"did you mean", proximity, exact diacritics and title matches first, related articles.

The corpus is written here, article by article, so each assertion is about documents whose words we chose:
which words an article has (and, as importantly, which it lacks) is what makes each test able to fail.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from newssearch.cli import app as cli_app
from newssearch.config import Settings, get_settings
from newssearch.index.indexer import index_corpus
from newssearch.service.api import create_app
from support import SEED_ID

# (id, title, body). Order matters where noted: with equal scores, the article indexed first ranks first.
ARTICLES: list[tuple[str, str, str]] = [
    # Abbreviations: Ho Chi Minh City under two of its names, never abbreviated.
    (
        "hcm-thanh-pho",
        "Thành phố Hồ Chí Minh mở thêm tuyến xe buýt điện",
        "Người dân Thành phố Hồ Chí Minh có thêm ba tuyến xe buýt điện nối trung tâm với sân bay Tân Sơn Nhất.",
    ),
    (
        "hcm-sai-gon",
        "Sài Gòn mưa lớn chiều cuối tuần",
        "Cơn mưa lớn kéo dài hơn một giờ khiến nhiều tuyến phố trung tâm Sài Gòn ngập sâu, xe cộ chết máy hàng loạt.",
    ),
    # UBND / Ủy ban nhân dân, TX / thị xã, KKT / khu kinh tế: each article uses one form only.
    (
        "ubnd-viet-tat",
        "UBND huyện Hương Khê họp bàn chống hạn",
        "Chiều qua, UBND huyện Hương Khê của tỉnh đã họp với các xã để bàn giải pháp chống hạn cho vụ hè thu.",
    ),
    (
        "ubnd-day-du",
        "Ủy ban nhân dân xã Cẩm Bình tiếp công dân",
        "Ủy ban nhân dân xã Cẩm Bình tổ chức buổi tiếp công dân hằng tháng, giải đáp kiến nghị về đất đai.",
    ),
    (
        "tx-viet-tat",
        "TX Hồng Lĩnh khánh thành công viên",
        "Sáng nay TX Hồng Lĩnh khánh thành công viên trung tâm rộng hai héc ta.",
    ),
    (
        "tx-day-du",
        "Thị xã Ba Đồn lát lại vỉa hè",
        "Thị xã Ba Đồn bắt đầu lát lại vỉa hè các tuyến phố chính.",
    ),
    (
        "kkt-viet-tat",
        "KKT Vũng Áng thu hút thêm nhà đầu tư",
        "Ban điều hành KKT Vũng Áng vừa trao giấy chứng nhận đầu tư cho hai dự án mới.",
    ),
    (
        "kkt-day-du",
        "Khu kinh tế Nghi Sơn mở rộng cảng",
        "Khu kinh tế Nghi Sơn được phép mở rộng cảng nước sâu để đón tàu trọng tải lớn.",
    ),
    # Every syllable of a written-out form, none of them together: not what the abbreviation names.
    (
        "rai-rac-thi-xa",
        "Thị trường lao động sau dịch",
        "Các chuyên gia xã hội học cho rằng thị trường lao động sẽ phục hồi chậm.",
    ),
    (
        "rai-rac-uy-ban",
        "Ban nhạc trẻ ra mắt album đầu tay",
        "Album được người dân đón nhận; nhân dịp này nhóm ủy quyền cho một hãng phát hành đĩa.",
    ),
    # A name only a newsroom's own abbreviations file knows (CDC).
    (
        "cdc-day-du",
        "Trung tâm Kiểm soát bệnh tật tỉnh khuyến cáo phòng sốt xuất huyết",
        "Trung tâm Kiểm soát bệnh tật tỉnh khuyến cáo người dân diệt lăng quăng để phòng sốt xuất huyết.",
    ),
    # i/y: Kỳ Anh written with y; lí with i in one article, lý with y in another.
    (
        "ky-anh",
        "Kỳ Anh trồng thêm rừng phòng hộ ven biển",
        "Người dân Kỳ Anh trồng thêm ba mươi héc ta rừng phòng hộ ven biển.",
    ),
    (
        "li-luan",
        "Hội thảo về lí luận phê bình văn học",
        "Các nhà nghiên cứu trao đổi về lí luận phê bình văn học hiện đại.",
    ),
    (
        "quan-ly",
        "Siết chặt quản lý đất đai ở vùng ven",
        "Chính quyền yêu cầu siết chặt quản lý đất đai, xử lý nghiêm vi phạm.",
    ),
    # d/gi: "gieo" and "dê" are in the archive, "deo" and "giê" are not; "dao" and "giao" both are.
    (
        "gieo-ma",
        "Nông dân gieo mạ chạy lũ",
        "Nông dân các xã ven sông tranh thủ gieo mạ sớm để tránh lũ cuối năm.",
    ),
    (
        "nuoi-de",
        "Nuôi dê trên núi đá",
        "Nhiều hộ nuôi dê trên núi đá thu lãi hàng trăm triệu đồng mỗi năm.",
    ),
    (
        "giao-hang",
        "Dịch vụ giao hàng nhanh tăng mạnh",
        "Các hãng giao hàng nhanh tuyển thêm hàng nghìn tài xế.",
    ),
    (
        "ren-dao",
        "Làng rèn dao truyền thống",
        "Làng nghề rèn dao hơn trăm năm tuổi vẫn giữ lửa.",
    ),
    # Hà Tĩnh in the title; then two body-only articles with one "Hà" and one "Tĩnh" each. The scattered one is
    # indexed first and is the shorter, so without a proximity signal it would rank above the other.
    (
        "ha-tinh",
        "Hà Tĩnh đón mùa du lịch biển",
        "Các bãi biển của tỉnh Hà Tĩnh như Thiên Cầm, Xuân Thành đón hàng nghìn du khách mỗi ngày.",
    ),
    (
        "rai-rac",
        "Lời khuyên khi xe chết máy",
        "Bà Hà kể rằng khi xe chết máy trên cầu, điều cần nhất là giữ bình tĩnh và gọi cứu hộ.",
    ),
    (
        "canh-nhau",
        "Lời kể của người lái xe",
        "Bà Mai kể rằng khi xe chết máy trên cầu ở Hà Tĩnh, điều cần nhất là giữ an toàn và gọi cứu hộ ngay.",
    ),
    # A brand that looks like Telex keys, and a look-alike that a careless decoder might land on.
    (
        "vissai",
        "Xi măng Vissai mở rộng xuất khẩu",
        "Tập đoàn Vissai vừa ký hợp đồng xuất khẩu clinker sang Bangladesh.",
    ),
    (
        "vi-sai",
        "Cách bảo dưỡng bộ vi sai ô tô",
        "Bộ vi sai cần được thay dầu sau mỗi năm để xe vận hành êm.",
    ),
    # đường (exact) once, in the body; dương (same folded form) in the title and twice in the body.
    (
        "duong-dung-dau",
        "Huyện bỏ vốn sửa cầu liên xã",
        "Huyện bỏ vốn sửa cây cầu và tuyến đường liên xã bị xuống cấp sau mùa lũ.",
    ),
    (
        "duong-khac-dau",
        "Ca dương tính mới giảm",
        "Số ca dương tính mới giảm mạnh; tỷ lệ dương tính trong cộng đồng dưới một phần trăm.",
    ),
    # cà phê in a headline once, against an article with it three times in the body only (indexed first).
    (
        "ca-phe-than-bai",
        "Thị trường nông sản tuần qua",
        "Cà phê, hồ tiêu và cà phê chế biến đều tăng giá; cà phê nhân xuất khẩu tăng mạnh nhất.",
    ),
    (
        "ca-phe-tieu-de",
        "Giá cà phê tăng kỷ lục",
        "Nông dân Tây Nguyên phấn khởi vì giá bán cao nhất nhiều năm.",
    ),
    # Related articles: two on the same storm (ids with a slash, as the seed layout's are), one that shares a
    # phrase only, and one that shares nothing.
    (
        "thoi-su/bao-noru-quang-nam",
        "Bão Noru đổ bộ Quảng Nam, hàng nghìn ngôi nhà tốc mái",
        "Cơn bão Noru đổ bộ vào Quảng Nam đêm qua với sức gió giật cấp 14, làm hàng nghìn ngôi nhà tốc mái và"
        " cây xanh gãy đổ. Lực lượng cứu hộ đã sơ tán người dân vùng ven biển trước khi bão vào.",
    ),
    (
        "thoi-su/giong-loc-ha-noi",
        "Giông lốc bất ngờ ở ngoại thành",
        "Trận giông lốc chiều qua làm nhiều cây xanh gãy đổ trên các con phố ngoại thành.",
    ),
    (
        "thoi-su/bao-noru-da-nang",
        "Đà Nẵng khắc phục hậu quả bão Noru",
        "Sau khi bão Noru đi qua, Đà Nẵng huy động lực lượng dọn dẹp cây xanh gãy đổ, lợp lại nhà tốc mái và"
        " khôi phục điện cho người dân vùng ven biển.",
    ),
    (
        "the-thao/bong-da",
        "Đội tuyển bóng đá tập trung chuẩn bị vòng loại",
        "Ban huấn luyện triệu tập hai mươi lăm cầu thủ cho đợt tập trung tháng tới.",
    ),
]

STORM = "thoi-su/bao-noru-quang-nam"
STORM_SAME_TOPIC = "thoi-su/bao-noru-da-nang"
STORM_SHARES_A_PHRASE = "thoi-su/giong-loc-ha-noi"

runner = CliRunner()


@pytest.fixture(scope="module")
def index_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corpus = tmp_path_factory.mktemp("relevance-corpus")
    lines = [json.dumps({"id": i, "title": t, "body": b}, ensure_ascii=False) for i, t, b in ARTICLES]
    (corpus / "articles.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    root = tmp_path_factory.mktemp("relevance-index")
    stats = index_corpus([corpus], root)
    assert stats.documents == len(ARTICLES) and not stats.problems
    return root


@pytest.fixture(scope="module")
def api(index_root: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(index_dir=index_root))) as test_client:
        yield test_client


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    """Settings read from the environment the test sets (get_settings is cached per process)."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def found(client: TestClient, query: str, **params: object) -> dict:
    response = client.get("/search", params={"q": query, "size": 50, **params})
    assert response.status_code == 200, response.text
    return response.json()


def ids(client: TestClient, query: str, **params: object) -> list[str]:
    return [hit["id"] for hit in found(client, query, **params)["hits"]]


# ----------------------------------------------------------------------------------------- abbreviations

HCM = {"hcm-thanh-pho", "hcm-sai-gon"}


@pytest.mark.parametrize(
    "query", ["TP.HCM", "TPHCM", "TP HCM", "tp.hcm", "TP. HCM", "Thành phố Hồ Chí Minh", "Sài Gòn", "sai gon"]
)
def test_every_name_of_ho_chi_minh_city_finds_both_articles(api: TestClient, query: str) -> None:
    # Neither article contains "TP" or "HCM": only the abbreviation file can bring them in; nothing else matches.
    assert set(ids(api, query)) == HCM


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Ủy ban nhân dân", {"ubnd-day-du", "ubnd-viet-tat"}),
        ("Uỷ ban nhân dân", {"ubnd-day-du", "ubnd-viet-tat"}),
        ("uy ban nhan dan", {"ubnd-day-du", "ubnd-viet-tat"}),
        ("UBND", {"ubnd-viet-tat", "ubnd-day-du"}),
        ("ubnd", {"ubnd-viet-tat", "ubnd-day-du"}),
        ("thị xã", {"tx-day-du", "tx-viet-tat"}),
        ("TX", {"tx-viet-tat", "tx-day-du"}),
        ("khu kinh tế", {"kkt-day-du", "kkt-viet-tat"}),
        ("KKT", {"kkt-viet-tat", "kkt-day-du"}),
    ],
)
def test_abbreviations_work_in_both_directions(api: TestClient, query: str, expected: set[str]) -> None:
    assert set(ids(api, query)) >= expected


@pytest.mark.parametrize(
    ("query", "typed_form", "expansion"),
    [
        ("UBND", "ubnd-viet-tat", "ubnd-day-du"),
        ("TX", "tx-viet-tat", "tx-day-du"),
        ("KKT", "kkt-viet-tat", "kkt-day-du"),
        ("Ủy ban nhân dân", "ubnd-day-du", "ubnd-viet-tat"),
        ("thị xã", "tx-day-du", "tx-viet-tat"),
        ("khu kinh tế", "kkt-day-du", "kkt-viet-tat"),
    ],
)
def test_the_form_typed_ranks_above_its_expansion(api: TestClient, query: str, typed_form: str, expansion: str) -> None:
    # An expansion is an added alternative; the article with the very words typed should not rank below it.
    # (ranking.py: "Queries typed without diacritics get no bonus" -- an accented expansion must not get one.)
    assert ids(api, query)[:2] == [typed_form, expansion]


@pytest.mark.parametrize(("query", "scattered"), [("UBND", "rai-rac-uy-ban"), ("TX", "rai-rac-thi-xa")])
def test_an_abbreviation_does_not_find_its_written_out_syllables_scattered(
    api: TestClient, query: str, scattered: str
) -> None:
    # ``TX`` is not an article about the market (thị trường) and sociology (xã hội); the abbreviation names the words
    # standing together, as the written-out query itself reads them.
    assert scattered not in ids(api, query)
    assert scattered in ids(api, "ủy ban nhân dân" if query == "UBND" else "thị xã", apart="true")


def test_abbreviation_combined_with_other_words_keeps_every_word_required(api: TestClient) -> None:
    # "UBND Cẩm Bình": the full-form article has all of it; the abbreviated one (Hương Khê) lacks Cẩm Bình.
    assert ids(api, "UBND Cẩm Bình")[0] == "ubnd-day-du"
    assert "ubnd-viet-tat" not in ids(api, "UBND Cẩm Bình")
    assert ids(api, "Ủy ban nhân dân Hương Khê")[0] == "ubnd-viet-tat"


def _newsroom_file(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_text(
        "# our own equivalences\nCDC | Trung tâm Kiểm soát bệnh tật\nUBND | ủy ban nhân dân\n", encoding="utf-8"
    )
    return path


def test_newsroom_abbreviations_file_takes_effect_without_rebuilding(
    api: TestClient, index_root: Path, tmp_path: Path
) -> None:
    generation = api.get("/readyz").json()["generation"]
    assert "cdc-day-du" not in ids(api, "CDC"), "the built-in file does not know CDC"
    settings = Settings(index_dir=index_root, abbreviations=_newsroom_file(tmp_path, "ours.tsv"))
    with TestClient(create_app(settings)) as ours:
        assert ours.get("/readyz").json()["generation"] == generation  # same index, no rebuild
        assert ids(ours, "CDC")[0] == "cdc-day-du"
        assert ids(ours, "cdc") == ["cdc-day-du"]
        assert set(ids(ours, "UBND")) >= {"ubnd-viet-tat", "ubnd-day-du"}


def test_newsroom_abbreviations_file_from_the_environment(
    index_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    monkeypatch.setenv("NEWSSEARCH_ABBREVIATIONS", str(_newsroom_file(tmp_path, "env.tsv")))
    monkeypatch.setenv("NEWSSEARCH_INDEX_DIR", str(index_root))
    with TestClient(create_app(Settings())) as ours:
        assert ids(ours, "CDC")[0] == "cdc-day-du"
    with TestClient(create_app()) as served:  # as uvicorn's factory builds it: settings from the environment
        assert ids(served, "CDC")[0] == "cdc-day-du"


def test_cli_search_uses_the_newsroom_abbreviations_file(
    index_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    monkeypatch.setenv("NEWSSEARCH_ABBREVIATIONS", str(_newsroom_file(tmp_path, "cli.tsv")))
    result = runner.invoke(cli_app, ["search", "CDC", "--index", str(index_root), "--json"])
    assert result.exit_code == 0, result.output
    assert [hit["id"] for hit in json.loads(result.stdout)["hits"]][:1] == ["cdc-day-du"]


# ----------------------------------------------------------------------------------------- i/y and d/gi


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("Kì Anh", "ky-anh"),
        ("kì anh", "ky-anh"),
        ("Kỳ Anh", "ky-anh"),
        ("quản lí", "quan-ly"),
        ("quản lý", "quan-ly"),
        ("lý luận", "li-luan"),
        ("lí luận", "li-luan"),
    ],
)
def test_i_and_y_are_one_spelling(api: TestClient, query: str, first: str) -> None:
    assert ids(api, query)[0] == first


def test_li_finds_both_spellings(api: TestClient) -> None:
    assert set(ids(api, "lí")) >= {"li-luan", "quan-ly"}
    assert set(ids(api, "lý")) >= {"li-luan", "quan-ly"}


@pytest.mark.parametrize(("query", "first"), [("deo mạ", "gieo-ma"), ("nuôi giê", "nuoi-de"), ("giê", "nuoi-de")])
def test_d_gi_slip_is_read_when_the_typed_word_is_unknown(api: TestClient, query: str, first: str) -> None:
    assert ids(api, query)[0] == first


def test_d_gi_are_not_swapped_when_the_typed_word_is_in_the_archive(api: TestClient) -> None:
    assert ids(api, "dao") == ["ren-dao"]
    assert ids(api, "giao") == ["giao-hang"]


# ----------------------------------------------------------------------------------------- Telex and VNI


@pytest.mark.parametrize("query", ["Haf Tinhx", "haf tinhx", "Ha2 Ti4nh", "ha2 ti4nh"])
def test_telex_and_vni_keystrokes_find_ha_tinh(api: TestClient, query: str) -> None:
    assert ids(api, query)[0] == "ha-tinh"


@pytest.mark.parametrize("query", ["dduowngf", "d9u7o7ng2"])
def test_keystrokes_for_duong_find_the_exact_word_first(api: TestClient, query: str) -> None:
    assert ids(api, query)[0] == "duong-dung-dau"


def test_a_real_word_that_looks_like_telex_is_not_replaced(api: TestClient) -> None:
    result = found(api, "Vissai")
    assert [hit["id"] for hit in result["hits"]] == ["vissai"]
    assert result["suggestion"] is None
    assert "<mark>Vissai</mark>" in result["hits"][0]["title"]


# ----------------------------------------------------------------------------------------- did you mean


@pytest.mark.parametrize("query", ["hatinh", "ha tinhh", "Hatinh"])
def test_did_you_mean_from_the_archive_vocabulary(api: TestClient, query: str) -> None:
    assert found(api, query)["suggestion"] == "ha tinh"


@pytest.mark.parametrize("query", ["hatinh", "ha tinhh"])
def test_did_you_mean_on_the_bundled_archive(client: TestClient, query: str) -> None:
    # The same on a real archive (conftest's index of corpus/), where "ha" alone is in a hundred articles.
    assert found(client, query)["suggestion"] == "ha tinh"


@pytest.mark.parametrize("query", ["Haf Tinhx", "Ha2 Ti4nh"])
def test_decoded_keystrokes_get_no_contradicting_suggestion(api: TestClient, client: TestClient, query: str) -> None:
    # Once the keystrokes are read as "Hà Tĩnh" and the Hà Tĩnh articles are shown, "did you mean" must not
    # propose some other query: no suggestion, or Hà Tĩnh itself.
    for app_client, first in ((api, "ha-tinh"), (client, SEED_ID)):
        result = found(app_client, query)
        assert [hit["id"] for hit in result["hits"]][:1] == [first]
        assert result["suggestion"] in (None, "ha tinh", "hà tĩnh")


@pytest.mark.parametrize("query", ["ha tinh", "Hà Tĩnh", "tỉnh"])
def test_a_query_that_finds_plenty_has_no_suggestion(api: TestClient, query: str) -> None:
    result = found(api, query)
    assert result["total"] + result["apart"] >= 3
    assert result["suggestion"] is None


def test_cli_prints_the_suggestion(index_root: Path) -> None:
    result = runner.invoke(cli_app, ["search", "hatinh", "--index", str(index_root)])
    assert result.exit_code == 0, result.output
    assert "did you mean: ha tinh" in result.output
    plenty = runner.invoke(cli_app, ["search", "ha tinh", "--index", str(index_root)])
    assert plenty.exit_code == 0 and "did you mean" not in plenty.output
    as_json = runner.invoke(cli_app, ["search", "hatinh", "--index", str(index_root), "--json"])
    assert json.loads(as_json.stdout)["suggestion"] == "ha tinh"


# ----------------------------------------------------------------------------------------- ranking


@pytest.mark.parametrize("query", ["Hà Tĩnh", "ha tinh"])
def test_words_standing_together_rank_above_scattered_ones(api: TestClient, query: str) -> None:
    ranked = ids(api, query)
    assert ranked[0] == "ha-tinh"
    # A name the archive has is read as a unit: the article with its syllables scattered is one click away.
    result = found(api, query)
    assert "rai-rac" not in ranked and result["apart"] >= 1
    everything = [hit["id"] for hit in api.get("/search", params={"q": query, "apart": "true"}).json()["hits"]]
    assert everything[0] == "ha-tinh"
    assert everything.index("canh-nhau") < everything.index("rai-rac")


def test_exact_diacritics_rank_first(api: TestClient) -> None:
    # "bảo dưỡng" (vi-sai) folds to "duong" too: a folded-only match, ranked after the exact one.
    exact = ids(api, "đường")
    assert exact[0] == "duong-dung-dau"
    assert {"duong-khac-dau", "vi-sai"} <= set(exact[1:])
    other = ids(api, "dương")
    assert other[0] == "duong-khac-dau"
    assert "duong-dung-dau" in other[1:]
    assert set(ids(api, "duong")) >= {"duong-dung-dau", "duong-khac-dau", "vi-sai"}


def test_title_match_ranks_above_body_only(api: TestClient) -> None:
    for query in ("cà phê", "ca phe"):
        assert ids(api, query)[:2] == ["ca-phe-tieu-de", "ca-phe-than-bai"], query


# ----------------------------------------------------------------------------------------- related articles


def test_related_articles_same_topic_first_never_itself(api: TestClient) -> None:
    response = api.get(f"/articles/{STORM}/related")
    assert response.status_code == 200, response.text
    body = response.json()
    related = [hit["id"] for hit in body["hits"]]
    assert body["id"] == STORM
    assert related[0] == STORM_SAME_TOPIC
    assert STORM not in related
    assert STORM_SHARES_A_PHRASE in related
    assert "the-thao/bong-da" not in related
    back = [hit["id"] for hit in api.get(f"/articles/{STORM_SAME_TOPIC}/related").json()["hits"]]
    assert back[0] == STORM and STORM_SAME_TOPIC not in back


def test_related_size_limits_the_list(api: TestClient) -> None:
    hits = api.get(f"/articles/{STORM}/related", params={"size": 1}).json()["hits"]
    assert [hit["id"] for hit in hits] == [STORM_SAME_TOPIC]


def test_related_of_an_unknown_article_is_a_404_json(api: TestClient) -> None:
    response = api.get("/articles/khong-co-bai-nay/related")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert "khong-co-bai-nay" in response.json()["detail"]


def test_cli_related(index_root: Path) -> None:
    result = runner.invoke(cli_app, ["search", "--related", STORM, "--index", str(index_root)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    listed = re.findall(r"^\s*\d+\.\s.*?(\S+)\s*$", result.output, flags=re.MULTILINE)
    assert listed[0] == STORM_SAME_TOPIC
    assert STORM not in listed
    missing = runner.invoke(cli_app, ["search", "--related", "khong-co-bai-nay", "--index", str(index_root)])
    assert missing.exit_code == 1
    assert "khong-co-bai-nay" in missing.output
