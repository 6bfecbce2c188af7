"""The demo corpus with the editor on, against the Chat Completions test server on 127.0.0.1.

    python scripts/editor_demo.py            # the test server answers every story well
    python scripts/editor_demo.py --misbehave  # and misbehaves on five stories, as in the tests

Materializes both demo days, then both again, and prints per run and day what the editor did
(requests, cache hits, tokens, stories written by the model, rejected and failed by kind),
then the Markdown of one story as the editor wrote it next to its extractive version. The test
server is news_pipeline_tests/support/chat_server.py: a stand-in that builds grounded answers
from each story's own sentences, not a language model.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DAYS = ("2026-02-14", "2026-02-15")
KEY_ENV = "NEWS_PIPELINE_DEMO_EDITOR_KEY"
EDITOR_BLOCK = """
editor:
  base_url: "{base_url}"
  model: test-model
  api_key_env: {key_env}
  allow_private_addresses: true
  price_per_million_input_tokens: 2
  price_per_million_output_tokens: 8
  currency: CNY
"""


def _story_section(markdown: str, marker: str) -> str:
    """The story whose section names `marker` (a story's heading is its linked title; the
    excluded lists are headed by their reason and are skipped)."""
    sections = re.split(r"(?m)^(?=#{2,3} )", markdown)
    stories = [s for s in sections if s.startswith("### [")]
    return next((s.strip() for s in stories if marker in s), "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misbehave", action="store_true")
    parser.add_argument("--story", default="Ling-2.5-1T", help="text of the story to show")
    args = parser.parse_args(argv)

    from dagster import instance_for_test

    from news_pipeline.defs.resources import EditorResource, SourcesResource
    from news_pipeline.demo.server import DEMO_SOURCES_PATH
    from news_pipeline_tests.conftest import materialize_day
    from news_pipeline_tests.support.chat_server import (
        invented_figure,
        prose,
        serve_chat,
        stall,
        status,
    )

    os.environ[KEY_ENV] = "sk-demo-not-a-real-key"
    with tempfile.TemporaryDirectory() as root_name, serve_chat() as server:
        root = Path(root_name)
        if args.misbehave:
            server.on("GLM-5", invented_figure)
            server.on("Greene", prose(), prose("I am unable to answer in JSON."))
            server.on("迪士尼", status(429, "rate limit reached", Retry_After="1"))
            server.on("Ling-2.5-1T", status(503, "the engine is overloaded"))
            server.on("Suleyman", stall())
        sources_file = root / "sources.yaml"
        sources_file.write_text(
            DEMO_SOURCES_PATH.read_text("utf-8")
            + EDITOR_BLOCK.format(base_url=server.base_url, key_env=KEY_ENV),
            encoding="utf-8",
        )
        sources = SourcesResource(sources_file=str(sources_file), demo_corpus=True)
        overrides = {
            "sources": sources,
            "editor": EditorResource.for_editor(sources.load().editor, read_timeout=2.0),
        }
        (root / "home").mkdir()
        with instance_for_test(temp_dir=str(root / "home")) as instance:
            for run in ("first run", "second run"):
                for day in DAYS:
                    result = materialize_day(day, root / "editor", instance, **overrides)
                    (event,) = result.asset_materializations_for_node("edited_stories")
                    meta = {key: value.value for key, value in event.metadata.items()}
                    kinds = {
                        k: v
                        for k, v in meta.items()
                        if k.startswith(("rejected_", "failed_")) and v
                    }
                    print(
                        f"{run} {day}: ok={result.success} stories={meta['stories']} "
                        f"llm={meta['stories_llm']} requests={meta['requests']} "
                        f"cache_hits={meta['cache_hits']} prompt_tokens={meta['prompt_tokens']} "
                        f"completion_tokens={meta['completion_tokens']} "
                        f"cost={meta['estimated_cost']} {meta['currency']} {kinds}"
                    )
            plain = {}
            for day in DAYS:
                materialize_day(day, root / "plain", instance)
                plain[day] = (root / "plain" / "reports" / day / "report.md").read_text("utf-8")
        print(f"\nrequests received by the test server: {len(server.requests)}\n")
        for day in DAYS:
            edited = (root / "editor" / "reports" / day / "report.md").read_text("utf-8")
            section = _story_section(edited, args.story)
            if section:
                print(f"--- {day}, summary_source llm ---")
                print(section)
                print(f"\n--- {day}, extractive ---")
                print(_story_section(plain[day], args.story))
    return 0


if __name__ == "__main__":
    sys.exit(main())
