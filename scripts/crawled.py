"""Reports as web crawlers save them: the two text layouts of corpus files 009-011.

Researchers keep the text a crawler pulled out of each government page, not the page. Two
layouts turn up (see ../shared/corpus/README.md and the truth files' `layout` and `quirks`):

- `to_glued` (layout A, like 009/010): a header block (标题/发布时间/…/原文链接/本地目录), the
  `==== 正文 ====` marker and the WHOLE page on one line: breadcrumb and toolbar chrome, the
  title again, the prose, every table row as its label(s) followed by its cells with no
  separator (so digits of neighbouring cells run together: `0000000` then `3.危及…`), some cells
  with a stray space before or after them, and `附件下载` at the end. UTF-8, LF.
- `to_nodes` (layout B, like 011): a header block, `正文：`, then one line per HTML text node:
  each paragraph (a long one may come as 2-3 nodes), each table cell on its own line, except
  that Word run fragments become lines of their own: about one multi-digit number in five is
  cut in two at a digit boundary (`162` -> `1` / `62`, in cells and in prose), and two-word
  header cells come apart (`商业企业` -> `商业` / `企业`). UTF-8, CRLF.

Both take a `ReportModel` of tests/renderings.py: `seed_model(name)` for the five seeds, or
`model_from_truth(path)` for a corpus truth file. All variation comes from `random.Random`
seeded with the model's name, the layout and `seed`, so the same arguments give the same bytes.

    .venv/bin/python scripts/crawled.py OUTDIR [--seed N]   # both layouts of seeds and corpus
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO / "tests") not in sys.path:  # renderings.py lives with the tests
    sys.path.insert(0, str(REPO / "tests"))

import renderings  # noqa: E402
from renderings import SEEDS, Grid, Para, ReportModel, Section, seed_model  # noqa: E402

CORPUS_TRUTH = REPO.parent / "shared" / "corpus" / "truth"

SPLIT_NUMBER_RATE = 0.2  # share of multi-digit numbers a Word run boundary cuts in layout B
SPLIT_HEAD_RATE = 0.5  # share of two-word header cells that come as two nodes in layout B
SPACED_COLUMN_RATE = 0.15  # share of table columns whose cells all carry a stray space (010: "00 0 0 00 0")
SPACED_CELL_RATE = 0.04  # and single cells that do (009: "500000 5", "行政许可2293 第二十条")
BLOCK_SPACE_RATE = 0.15  # a space between two paragraphs of the glued line (010: "…到位。 二、主动公开")
LONG_PARAGRAPH = 80  # characters; longer paragraphs may come as 2-3 nodes in layout B

_MULTI_DIGIT = re.compile(r"[0-9]{2,}")
_TWO_WORDS = re.compile(r"[\u4e00-\u9fff]{4}")  # 商业企业, 科研机构, 信息内容, 行政复议: two 2-character words
_BREAK_AFTER = re.compile("[，。；、]")
_SPACES = re.compile(" {2,}")
_DOMAINS = {"江西省": "jiangxi", "河南省": "henan", "甘肃省": "gansu", "云南省": "yn", "江苏省": "jiangsu",
            "福建省": "fujian", "上海市": "shanghai", "湖南省": "hunan", "湖北省": "hubei", "四川省": "sc",
            "广东省": "gd", "浙江省": "zj", "山东省": "shandong", "河北省": "hebei"}


def _rng(model: ReportModel, seed: int, purpose: str) -> random.Random:
    # A str seed is hashed with SHA-512 by random, so it does not depend on PYTHONHASHSEED.
    return random.Random(f"{model.name}|{purpose}|{seed}")


def _page(model: ReportModel, seed: int) -> tuple[str, str, str]:
    """(published, url, local folder) of the page; the same for both layouts of one model and seed."""
    rng = _rng(model, seed, "page")
    year, month, day = model.year + 1, rng.randint(1, 3), rng.randint(1, 28)
    published = f"{year}-{month:02d}-{day:02d} {rng.randint(8, 17):02d}:{rng.randint(0, 59):02d}"
    doc_id = rng.randint(10000, 99999)
    path = f"zwgk/zfxxgk/zfxxgknb/{year}{month:02d}"
    domain = _DOMAINS.get(model.region.get("province") or "", "xxgk")
    url = f"https://www.{domain}.gov.cn/{path}/t{year}{month:02d}{day:02d}_{doc_id}.htm"
    return published, url, f"{path}/{doc_id}"


def _blocks(model: ReportModel) -> Iterator[tuple[str, str | Grid]]:
    """The article in reading order: ("para" | "heading", text) or ("table", grid)."""
    for p in model.preamble:
        yield "para", p.text
    for s in model.sections:
        yield "heading", s.heading
        for p in s.paragraphs:
            yield "para", p.text
        if s.table is not None:
            yield "table", s.table
        elif s.note:
            yield "para", s.note


# --------------------------------------------------------------------------------------------
# Layout A: the whole page on one line
# --------------------------------------------------------------------------------------------

def _glued_table(grid: Grid, rng: random.Random) -> str:
    """Rows top to bottom, a merged cell once at its top-left corner, nothing between cells.

    Stray spaces come from the page's HTML (a `&nbsp;` or a space inside some <td>), so they sit
    at a cell's edge and never inside a cell: a number is never split by one. Whole columns carry
    them (as in 010) and now and then a single cell (as in 009)."""
    column_side = {k: rng.choice("<>") for k in range(grid.n_cols) if rng.random() < SPACED_COLUMN_RATE}
    random_ = rng.random
    out: list[str] = []
    for r in range(grid.n_rows):
        for cell in grid.row_cells(r):
            text = cell.text
            if "\n" in text:
                text = text.replace("\n", "")  # a Word paragraph break inside a cell leaves no trace
            side = column_side.get(cell.col) or (rng.choice("<>") if random_() < SPACED_CELL_RATE else None)
            out.append(text if side is None else " " + text if side == "<" else text + " ")
    return _SPACES.sub(" ", "".join(out))


def to_glued(model: ReportModel, *, seed: int = 0) -> bytes:
    """Layout A (corpus 009/010): header block, `==== 正文 ====`, the page as one line. UTF-8, LF."""
    rng = _rng(model, seed, "glued")
    published, url, local = _page(model, seed)
    header = [f"标题: {model.title}", f"发布时间: {published}", "文号: ", "发布机构: ", "栏目: 政府信息公开年报",
              f"原文链接: {url}", f"本地目录: {local}_{model.title}", "页面链接与图片详见 links.tsv(同目录)",
              "==================== 正文 ===================="]
    # The crawler kept the page's breadcrumb, info bar and toolbar; 010 also repeats the title.
    parts = [f"当前位置： 首页政务公开政府信息公开政府信息公开年报 {model.title} 来源：{model.org} "
             f"时间：{published} 微信 微博 QQ空间 全真版 文字版 文件下载 相关链接： --> "]
    if rng.random() < 0.5:
        parts.append(model.title + " ")
    for kind, item in _blocks(model):
        parts.append(_glued_table(item, rng) if kind == "table" else item)
    body = "".join(p + (" " if rng.random() < BLOCK_SPACE_RATE else "") for p in parts)
    body = _SPACES.sub(" ", body.rstrip(" ") + " 附件下载")
    return ("\n".join(header) + "\n" + body).encode("utf-8")  # 009/010 end without a newline


# --------------------------------------------------------------------------------------------
# Layout B: one line per HTML text node
# --------------------------------------------------------------------------------------------

def _split_numbers(text: str, rng: random.Random) -> list[str]:
    """`text` cut at a digit boundary inside some of its multi-digit numbers, as Word splits runs."""
    if len(text) < 2 or _MULTI_DIGIT.search(text) is None:
        return [text]  # most cells are one digit: no draw is made for them, so skipping is exact
    cuts = [m.start() + rng.randint(1, len(m.group()) - 1)
            for m in _MULTI_DIGIT.finditer(text) if rng.random() < SPLIT_NUMBER_RATE]
    if not cuts:
        return [text]
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])]


def _break_paragraph(text: str, rng: random.Random) -> list[str]:
    """A long paragraph as 1-3 nodes (spans of other styling in the page), cut after punctuation."""
    if len(text) <= LONG_PARAGRAPH:
        return [text]
    spots = [m.end() for m in _BREAK_AFTER.finditer(text, 0, len(text) - 1)]  # after a mark, not at the end
    cuts = sorted(rng.sample(spots, min(len(spots), rng.choice((0, 1, 2)))))
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])]


def _table_nodes(grid: Grid, rng: random.Random) -> list[str]:
    out: list[str] = []
    for r in range(grid.n_rows):
        for cell in grid.row_cells(r):
            text = cell.text
            for part in text.split("\n") if "\n" in text else (text,):  # each Word paragraph of a cell is its own <p>
                if not part.strip():
                    continue  # a blank cell is `&nbsp;`: the crawler drops whitespace-only nodes
                if cell.role == "head" and _TWO_WORDS.fullmatch(part) and rng.random() < SPLIT_HEAD_RATE:
                    out += (part[:2], part[2:])
                elif len(part) < 2:
                    out.append(part)  # one digit (most cells): nothing to split, no draw
                else:
                    out += _split_numbers(part, rng)
    return out


def to_nodes(model: ReportModel, *, seed: int = 0) -> bytes:
    """Layout B (corpus 011): header block, `正文：`, one line per text node. UTF-8, CRLF."""
    rng = _rng(model, seed, "nodes")
    published, url, local = _page(model, seed)
    lines = [f"标题：{model.title}", f"发布时间：{published}", "文号：", "发布机构：", "索引号：", f"来源：{model.org}",
             "栏目：政府信息公开年报", f"原始链接：{url}", f"本地目录：{local}", "", "正文："]
    for kind, item in _blocks(model):
        if kind == "table":
            lines.extend(_table_nodes(item, rng))
        else:
            for piece in _break_paragraph(item, rng) if kind == "para" else [item]:
                lines.extend(_split_numbers(piece, rng))
    return "\r\n".join(lines).encode("utf-8")  # 011 ends without a line break


# --------------------------------------------------------------------------------------------
# A model from a corpus truth file
# --------------------------------------------------------------------------------------------

def _total(values: list | None, k: int = 6) -> int | None:
    return values[k] if values and len(values) > k else None


def _truth_prose(org: str, year: int, truth: dict) -> dict[str, tuple[Para, ...]]:
    """Short prose for sections 一, 五 and 六 made from the figures (truth files carry no prose)."""
    apps = truth.get("applications") or {}
    s1 = [f"{year}年，{org}深入贯彻落实《中华人民共和国政府信息公开条例》，坚持以公开为常态、不公开为例外，"
          f"持续推进政务公开工作。"]
    proactive = (truth.get("narrative") or {}).get("proactive_total")
    if proactive is not None:
        s1.append(f"全年主动公开政府信息{proactive}条。")
    counts = [(label, _total(apps.get(key))) for label, key in
              (("新收政府信息公开申请", "new_received"), ("上年结转", "carried_over"), ("办结", "total_processed"),
               ("结转下年度继续办理", "carried_forward"))]
    said = [f"{label}{n}件" for label, n in counts if n is not None]
    if said:
        s1.append("全年" + "，".join(said) + "。")
    rl = truth.get("reviews_litigation") or []
    if len(rl) == 15 and None not in (rl[4], rl[9], rl[14]):
        s1.append(f"因政府信息公开被申请行政复议{rl[4]}件，被提起行政诉讼{rl[9] + rl[14]}件。")
    s5 = ["政府信息公开工作仍存在一些不足：政策解读形式不够丰富，公开内容的全面性和及时性有待提高。",
          "下一步，我们将加强业务培训，规范公开流程，拓宽公开渠道，不断提升政府信息公开质量。"]
    s6 = [f"{year}年，{org}未收取政府信息公开信息处理费。"]
    return {"s1": tuple(Para(t) for t in s1), "s5": tuple(Para(t) for t in s5),
            "s6": (*(Para(t) for t in s6), Para(org, "signature"), Para(f"{year + 1}年1月20日", "signature"))}


def model_from_truth(path: str | Path) -> ReportModel:
    """The corpus report at `path` (a truth JSON) as a model: template tables filled from its figures,
    the standard section headings and a short prose written from the figures.

    The grid builders of tests/renderings.py are module-private (`_table2`, `_table3`, `_table4`,
    `_HEADINGS`, `_MISSING_NOTE`); they are called through the module rather than copied."""
    path = Path(path)
    truth = json.loads(path.read_text(encoding="utf-8"))
    org, year = truth["org"], truth["year"]
    title = f"{org}{year}年政府信息公开工作年度报告"
    # A null row is a row the report does not print (003/004 keep the single 2019 （六） row and
    # leave the three 2021 sub-rows null): drop it so the table-3 version is read from the rows
    # that exist. An absent row and a null row render alike (empty cells).
    apps = {k: v for k, v in (truth.get("applications") or {}).items() if v is not None}
    expected = {"file": truth.get("file"), "report": {"title": title, "org": org, "year": year,
                                                      "template_version": truth["template_version"], "region": {}},
                "active_disclosure": truth.get("active_disclosure") or [], "applications": apps,
                "reviews_litigation": truth.get("reviews_litigation"), "narrative": truth.get("narrative")}
    tables = {"s2": renderings._table2(expected), "s3": renderings._table3(expected),
              "s4": renderings._table4(expected, "结果维持")}
    prose = _truth_prose(org, year, truth)
    sections = []
    for key, heading, _ in renderings._HEADINGS:
        if key in tables:
            grid = tables[key]
            sections.append(Section(key, heading, table=grid,
                                    note=None if grid else renderings._MISSING_NOTE[key]))
        else:
            sections.append(Section(key, heading, paragraphs=prose[key]))
    preamble = (Para(f"根据《中华人民共和国政府信息公开条例》规定，现公布{title}。本报告所列数据的统计期限自"
                     f"{year}年1月1日起至{year}年12月31日止。"),)
    return ReportModel(name=path.stem, variant=int(path.stem[:3]), title=title, org=org, year=year, region={},
                       template_version=truth["template_version"], preamble=preamble, sections=tuple(sections),
                       expected=expected)


# --------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Write both crawled layouts of the five seeds and of every corpus "
                                             "truth file into OUTDIR, with a manifest of where the figures are.")
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    args.outdir.mkdir(parents=True, exist_ok=True)
    sources = [(seed_model(name), renderings.SEED_EXPECTED / f"{name}.json") for name in SEEDS]
    if CORPUS_TRUTH.is_dir():
        sources += [(model_from_truth(p), p) for p in sorted(CORPUS_TRUTH.glob("*.json"))]
    else:
        print(f"no corpus truth at {CORPUS_TRUTH}: seeds only", file=sys.stderr)
    manifest = {}
    for model, expected in sources:
        files = {}
        for layout, render in (("glued", to_glued), ("nodes", to_nodes)):
            out = args.outdir / f"{model.name}.{layout}.txt"
            out.write_bytes(render(model, seed=args.seed))
            files[layout] = out.name
        manifest[model.name] = {**files, "expected": str(expected), "seed": args.seed}
    (args.outdir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {2 * len(manifest)} files to {args.outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
