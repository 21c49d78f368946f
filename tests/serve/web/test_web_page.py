"""The web page in headless Chromium: streaming, steps, Markdown shown safely, citations,
approvals, threads, uploads, stop, keyboard only, phone width and dark theme. Every test
saves a screenshot and checks that it shows something."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from anyio.from_thread import BlockingPortal
from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from .browser import Page, chrome, wait_for


@pytest.fixture(scope="module")
def url(serve_page: Callable[..., str]) -> str:
    return serve_page()


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go (``INTERLACE_SCREENSHOTS`` keeps them somewhere known)."""
    wanted = os.environ.get("INTERLACE_SCREENSHOTS")
    if wanted:
        Path(wanted).mkdir(parents=True, exist_ok=True)
        return Path(wanted)
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    found = chrome(tmp_path_factory.mktemp("chromium-profile"))
    yield found
    found.quit()


@pytest.fixture
def page(driver: webdriver.Chrome, url: str, shots: Path) -> Page:
    driver.set_window_size(1200, 860)
    found = Page(driver, url, shots)
    found.open()
    return found


def test_answer_streams_token_by_token(page: Page) -> None:
    page.pick_agent("slow")
    page.ask("Tell me something long")
    lengths: set[int] = set()

    def complete() -> bool:
        answers = page.all(".turn.assistant .answer")
        if answers:
            lengths.add(len(answers[-1].text))
        return bool(page.all(".turn.assistant[aria-busy='false']"))

    wait_for(complete, "the streamed answer")
    final = page.last_turn().find_element("css selector", ".answer").text
    assert final == " ".join(f"word{n}" for n in range(16))
    assert len([n for n in lengths if 0 < n < len(final)]) >= 2  # seen growing, not at once
    page.shoot("streaming", page.last_turn())


def test_tool_call_is_a_collapsible_step_with_arguments_result_and_time(page: Page) -> None:
    page.pick_agent("adder")
    page.ask("What is 2 + 3?")
    turn = page.finished()
    step = turn.find_element("css selector", "details.step.tool")
    assert step.find_element("css selector", ".step-name").text == "add"
    assert step.find_element("css selector", ".step-status").text.startswith("done · ")
    assert step.get_attribute("open") is None
    step.find_element("css selector", "summary").click()
    assert '"a": 2' in step.find_element("css selector", ".args").text
    assert step.find_element("css selector", ".result").text == "5"
    assert turn.find_element("css selector", ".answer").text == "The sum is 5."
    page.shoot("tool-step", turn)


def test_graph_steps_show_each_agent_with_its_time(page: Page) -> None:
    page.pick_agent("team")
    page.ask("Greet me, then add")
    turn = page.finished()
    nodes = turn.find_elements("css selector", "details.step.node")
    assert [node.find_element("css selector", ".step-name").text for node in nodes] == [
        "echo",
        "adder",
    ]
    assert all(
        node.find_element("css selector", ".step-status").text.startswith("done · ")
        for node in nodes
    )
    nodes[1].find_element("css selector", "summary").click()
    assert nodes[1].find_element("css selector", "details.step.tool .step-name").text == "add"
    assert [label.text for label in turn.find_elements("css selector", ".speaker")] == [
        "ECHO",
        "ADDER",
    ]
    assert "Hello from the greeter." in turn.text
    assert "The sum is 5." in turn.text
    page.shoot("graph-steps", turn)


def test_markdown_renders_and_html_in_an_answer_is_only_text(page: Page) -> None:
    page.pick_agent("echo")
    page.ask("Show me formatting")
    answer = page.finished().find_element("css selector", ".answer")
    assert answer.find_element("css selector", "pre code").text == 'print("hi")'
    assert len(answer.find_elements("css selector", "ul li")) == 2
    assert answer.find_element("css selector", "td:last-child").text == "fast"
    assert answer.find_element("css selector", "strong").text == "bold"
    for tag in ("script", "img", "b"):
        assert answer.find_elements("css selector", tag) == [], tag
    (link,) = answer.find_elements("css selector", "a")
    assert link.get_attribute("href") == "https://example.org/docs"
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert "[trap](javascript:window.__pwned=5)" in answer.text
    assert '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">' in (
        answer.text
    )
    assert page.globals_set() == []
    page.shoot("markdown", answer)


def test_citation_opens_the_passage_with_the_cited_sentence_marked(page: Page) -> None:
    page.pick_agent("librarian")
    page.ask("What does the keeper do during storms?")
    cite = page.finished().find_element("css selector", "button.cite")
    assert cite.text == "lighthouse.md § Storms"
    cite.click()
    marked = page.wait("#viewer .passage mark", "clockwork")
    assert marked.text == "During storms the keeper winds the clockwork every two hours."
    assert page.find("#viewer .doc-source").text.endswith("lighthouse.md")
    page.shoot("citation", page.find("#viewer"))
    page.find("#viewer-body button").click()
    cited = page.wait("#viewer .chunk.cited", "clockwork")
    assert "Storms" in cited.text
    assert page.find("#viewer-title").text == "Lighthouse guide"
    page.driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    wait_for(lambda: not page.find("#viewer").get_attribute("open"), "the viewer to close")
    assert page.driver.switch_to.active_element == cite  # focus goes back to the citation


def test_approval_approve_and_reject_resume_the_run_in_place(page: Page) -> None:
    page.pick_agent("careful")
    page.ask("Clean up a.txt")
    card = page.wait(".approval", "delete_file")
    assert '"path": "a.txt"' in card.find_element("css selector", ".args").text
    page.shoot("approval", card)
    approve = card.find_element("css selector", ".approve")
    assert page.driver.switch_to.active_element == approve  # keyboard users land on it
    approve.send_keys(Keys.ENTER)
    turn = page.wait(".turn.assistant", "Done: a.txt deleted.")
    assert "Approved." in card.text
    step = turn.find_element("css selector", "details.step.tool")
    assert step.find_element("css selector", ".step-status").text.startswith("done")
    assert len(page.all(".turn.assistant")) == 1  # resumed in place, not a new turn

    page.ask("Clean up again")
    card = wait_for(lambda: page.all(".approval:not(.decided)"), "a second approval")[0]
    card.find_element("css selector", ".reason").send_keys("not today")
    card.find_element("css selector", ".reject").click()
    step = page.wait(".turn.assistant:last-of-type details.step.error", "delete_file")
    step.find_element("css selector", "summary").click()
    assert "not today" in step.find_element("css selector", ".result").text
    assert "Rejected: not today" in card.text


def test_thread_reopens_after_a_reload_and_continues(page: Page) -> None:
    page.pick_agent("adder")
    page.ask("Remember this question")
    page.finished()
    thread = page.driver.execute_script("return new URLSearchParams(location.search).get('thread')")
    assert thread
    page.open("/")  # a reload without the thread in the address
    assert page.all(".turn") == []
    entry = page.wait("#threads button.thread", "Remember this question")
    entry.click()
    page.wait(".turn.user .bubble", "Remember this question")
    step = page.wait(".turn.assistant details.step.tool", "add")
    assert "The sum is 5." in page.last_turn().text
    assert step.find_element("css selector", ".step-status").text == "done"
    page.ask("And once more")
    page.finished()
    assert len(page.all(".turn.user")) == 2
    current = page.driver.execute_script(
        "return new URLSearchParams(location.search).get('thread')"
    )
    assert current == thread
    detail = httpx.get(f"{page.url}/api/threads/{thread}").json()
    assert [m["content"] for m in detail["messages"] if m["role"] == "user"] == [
        "Remember this question",
        "And once more",
    ]
    page.shoot("thread", page.find("#log"))


def test_two_uploaded_files_are_ingested_and_an_unchanged_one_skipped(
    page: Page, tmp_path: Path
) -> None:
    first, second = tmp_path / "anchors.md", tmp_path / "ropes.txt"
    first.write_text("# Anchors\n\nAnchors hold the ship against the current.\n")
    second.write_text("Ropes are coiled clockwise on deck after each watch.\n")
    chooser = page.find("#files")
    chooser.send_keys(f"{first}\n{second}")
    rows = wait_for(
        lambda: len(page.all(".upload[data-status]")) == 2 and page.all(".upload"), "two uploads"
    )
    assert [row.get_attribute("data-status") for row in rows] == ["added", "added"]
    assert "chunks" in rows[0].find_element("css selector", ".upload-status").text
    page.shoot("uploads", page.find("#docs"))
    chooser.send_keys(str(first))
    again = wait_for(
        lambda: len(page.all(".upload[data-status]")) == 3 and page.all(".upload"), "3"
    )
    assert again[-1].find_element("css selector", ".upload-status").text == (
        "unchanged: already in the store"
    )
    page.find("#doclist-box summary").click()
    names = [item.text for item in page.all("#doclist li")]
    assert {"anchors.md", "ropes.txt"} <= set(names)


def test_dropped_document_with_script_is_cited_as_text(page: Page) -> None:
    drop = """
    const file = new File([arguments[0]], "harbour-notes.md", {type: "text/markdown"});
    const data = new DataTransfer();
    data.items.add(file);
    for (const type of ["dragenter", "dragover", "drop"]) {
      document.getElementById("log").dispatchEvent(
        new DragEvent(type, {dataTransfer: data, bubbles: true, cancelable: true}));
    }
    """
    text = (
        "# Harbour notes\n\nThe harbour master signals with <script>window.__pwned = 3"
        '</script> flags <img src=x onerror="window.__pwned = 4"> at dawn.\n'
    )
    page.driver.execute_script(drop, text)
    row = page.wait(".upload[data-status]", "harbour-notes.md")
    assert row.get_attribute("data-status") == "added"
    page.pick_agent("librarian")
    page.ask("How does the harbour master signal at dawn?")
    cite = page.wait(".turn.assistant button.cite", "harbour-notes.md")
    answer = page.last_turn().find_element("css selector", ".answer")
    assert "<script>" in answer.text
    assert answer.find_elements("css selector", "script, img") == []
    cite.click()
    passage = page.wait("#viewer .passage", "<script>window.__pwned = 3</script>")
    assert passage.find_elements("css selector", "script, img") == []
    assert page.globals_set() == []
    page.shoot("script-document", page.find("#viewer"))


def test_stop_cancels_the_run_on_the_server(page: Page) -> None:
    page.pick_agent("slow")
    page.ask("Say a lot")
    page.wait(".turn.assistant .answer", "word1")
    page.find("#stop").click()
    page.wait(".turn.assistant .warning", "you stopped this run")
    assert page.find("#send").is_displayed()
    assert not page.find("#stop").is_displayed()
    thread = page.driver.execute_script("return new URLSearchParams(location.search).get('thread')")
    partial = page.last_turn().find_element("css selector", ".answer").text
    assert "word15" not in partial
    page.shoot("stopped", page.last_turn())
    time.sleep(2.0)  # the whole answer (16 chunks, 0.1 s each) would have finished by now
    detail = httpx.get(f"{page.url}/api/threads/{thread}").json()
    assert [m["role"] for m in detail["messages"]] == ["user"]  # no answer was ever saved


def test_keyboard_only(page: Page) -> None:
    page.pick_agent("librarian")
    box = page.find("#prompt")
    assert page.driver.switch_to.active_element == box
    box.send_keys("What clamps hold the lens?", Keys.ENTER)
    page.finished()
    keys = ActionChains(page.driver)
    for _ in range(60):  # tab forward to the citation
        if "cite" in (page.driver.switch_to.active_element.get_attribute("class") or ""):
            break
        keys.send_keys(Keys.TAB).perform()
    cite = page.driver.switch_to.active_element
    assert "cite" in (cite.get_attribute("class") or "")
    keys.send_keys(Keys.ENTER).perform()
    page.wait("#viewer .passage mark", "clamps")
    keys.send_keys(Keys.ESCAPE).perform()
    wait_for(lambda: not page.find("#viewer").get_attribute("open"), "the viewer to close")
    assert page.driver.switch_to.active_element == cite
    page.shoot("keyboard", page.last_turn())


def test_phone_width_and_dark_theme(page: Page) -> None:
    page.driver.set_window_size(390, 844)
    page.open("/?agent=adder")
    width = page.driver.execute_script("return [document.documentElement.scrollWidth, innerWidth]")
    assert width[0] <= width[1]  # nothing wider than the phone
    sidebar = page.find("#sidebar")
    assert not sidebar.is_displayed()
    page.find("#menu").click()
    wait_for(sidebar.is_displayed, "the sidebar to open")
    page.find("#new-thread").click()
    wait_for(lambda: not sidebar.is_displayed(), "the sidebar to close")
    before = page.find("body").value_of_css_property("background-color")
    page.find("#theme").click()
    after = page.find("body").value_of_css_property("background-color")
    assert page.driver.execute_script("return document.documentElement.dataset.theme") in (
        "dark",
        "light",
    )
    assert before != after
    if page.driver.execute_script("return document.documentElement.dataset.theme") != "dark":
        page.find("#theme").click()
    dark = page.find("body").value_of_css_property("background-color")
    assert sum(int(part) for part in dark[dark.index("(") + 1 : -1].split(",")[:3]) < 120
    page.ask("2 + 3 on a phone?")
    page.finished()
    page.shoot("phone-dark", page.last_turn())
    page.driver.execute_script("localStorage.removeItem('interlace-theme')")


def test_chat_web_opens_the_page_signed_in(
    driver: webdriver.Chrome, shots: Path, tmp_path: Path
) -> None:
    import subprocess
    import sys

    from tests.processes import free_port, stop_process

    opened = tmp_path / "opened.txt"
    browser = tmp_path / "record-browser"
    browser.write_text(
        f"#!{sys.executable}\nimport sys\nopen({str(opened)!r}, 'w').write(sys.argv[1])\n"
    )
    browser.chmod(0o755)
    config = Path(__file__).parents[1] / "data" / "echo.yaml"
    port = free_port()
    command = [sys.executable, "-m", "interlace.agents.cli", "chat", str(config), "--web"]
    env = {**os.environ, "BROWSER": str(browser)}
    env.pop("INTERLACE_TOKEN", None)
    log = tmp_path / "chat.log"
    with log.open("w") as out:
        process = subprocess.Popen([*command, "--port", str(port)], env=env, stdout=out,
                                   stderr=subprocess.STDOUT)  # fmt: skip
    try:
        link = wait_for(lambda: opened.exists() and opened.read_text(), "the browser to open")
        assert link.startswith(f"http://127.0.0.1:{port}/login?next=%2F#token=")
        assert httpx.get(f"http://127.0.0.1:{port}/").status_code == 401  # a token guards it
        page = Page(driver, f"http://127.0.0.1:{port}", shots)
        driver.get(link)  # signs in from the link's fragment, then lands on the page
        wait_for(lambda: driver.execute_script("return document.body.dataset.ready"), "page")
        assert "#token" not in driver.current_url
        page.ask("hi")
        assert page.finished().find_element("css selector", ".answer").text == "hello from config"
        page.shoot("chat-web", page.last_turn())
    finally:
        stop_process(process)
    assert f"open {link}" in log.read_text()


@pytest.fixture(scope="module")
def rag_url(portal: BlockingPortal, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The offline RAG example on the packaged model (llamacpp:default), its docs ingested
    into a fresh store, served with the page."""
    from interlace.agents.config import load_config
    from interlace.agents.serve.app import build_app, running_server
    from interlace.agents.serve.settings import ServeSettings
    from interlace.agents.system import build_system
    from interlace.tools.retrieval import ingest_paths

    example = Path(__file__).parents[3] / "examples" / "rag_assistant"
    where = tmp_path_factory.mktemp("rag-store")
    config = load_config(example / "config.yaml", [f"retrieval.docs.path={where}"])
    system = build_system(config)
    ingest_paths(system.stores["docs"], [example / "docs"], progress=False)
    app = build_app(system.host(), ServeSettings(timeout_s=240.0))
    with portal.wrap_async_context_manager(running_server(app)) as found:
        yield found
    portal.call(system.aclose)


@pytest.mark.slow
def test_packaged_model_answers_with_a_citation(
    driver: webdriver.Chrome, rag_url: str, shots: Path
) -> None:
    driver.set_window_size(1000, 640)
    page = Page(driver, rag_url, shots)
    page.open("/?agent=assistant")
    page.ask("How can a team share one vector store?")
    turn = wait_for(
        lambda: page.all(".turn.assistant[aria-busy='false']") and page.last_turn(),
        "the packaged model's answer",
        timeout=240,
    )
    answer = turn.find_element("css selector", ".answer")
    cites = answer.find_elements("css selector", "button.cite")
    assert cites, f"no citation in {answer.text!r}"
    assert all(cite.text.endswith(".md") or " § " in cite.text for cite in cites)
    page.shoot("readme-answer", turn)
    cites[0].click()
    marked = page.wait("#viewer .passage mark", "")
    assert marked.text.strip()
    page.shoot("readme-citation", page.find("#viewer"))
