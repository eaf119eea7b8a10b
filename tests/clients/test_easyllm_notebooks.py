"""EasyLLM's own notebooks run unmodified but for the import line, against a local TGI-protocol server.

Each notebook (`easyllm_notebooks/`) runs in a fresh interpreter, as in Jupyter: settings come from the
environment at import, and a cell's bare last expression is displayed. Then `checks` (expressions over
the notebook's variables) must all be true: dict-style reads give what the openai objects hold.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from easyllm_shim.testing import TGIServer

from ..wire import generate_calls

NOTEBOOKS = Path(__file__).resolve().parent / "easyllm_notebooks"
ROOT = Path(__file__).resolve().parents[2]

# Runs a notebook like Jupyter (bare expressions displayed), then prints the checks' results as JSON.
RUNNER = """
import ast, json, sys
source = open(sys.argv[1]).read()
tree = ast.parse(source)
for index, statement in enumerate(tree.body):
    if isinstance(statement, ast.Expr):
        call = ast.Call(ast.Name("display", ast.Load()), [statement.value], [])
        tree.body[index] = ast.fix_missing_locations(ast.copy_location(ast.Expr(call), statement))
namespace = {"__name__": "__main__", "display": lambda value: value is None or print(repr(value))}
exec(compile(tree, sys.argv[1], "exec"), namespace)
exec("import openai", namespace)
print("CHECKS " + json.dumps([bool(eval(check, namespace)) for check in sys.argv[2:]]))
"""

CHAT = "isinstance(response, openai.types.chat.ChatCompletion)"
CHAT_CONTENT = "response['choices'][0]['message']['content'] == response.choices[0].message.content != ''"


def run(notebook: str, server: TGIServer, *checks: str) -> str:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("HUGGINGFACE_", "HF_", "OPENAI_"))}
    environment |= {
        "HUGGINGFACE_API_BASE": server.url,
        "ENDPOINT_URL": server.url,
        "HUGGINGFACE_TOKEN": "hf_notebook",
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-W", "error", "-c", RUNNER, str(NOTEBOOKS / f"{notebook}.py"), *checks]
    result = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    output, _, results = result.stdout.rpartition("CHECKS ")
    assert json.loads(results) == [True] * len(checks)
    return output


def inputs(server: TGIServer) -> list[Any]:
    return [call.json()["inputs"] for call in generate_calls(server)]


def test_chat_completion_api(tgi: TGIServer) -> None:
    output = run("chat_completion_api", tgi, CHAT, CHAT_CONTENT)

    prompts = inputs(tgi)
    assert len(prompts) == 4
    # HUGGINGFACE_PROMPT=llama2, set before the import, picks the format (the BOS is left to TGI's tokenizer).
    assert prompts[0].startswith("[INST] <<SYS>>\n\nYou are a helpful, respectful and honest assistant.")
    assert prompts[2] == "[INST] Explain asynchronous programming in the style of the pirate Blackbeard. [/INST]"
    assert output.startswith("ChatCompletion(")  # the cell's displayed `response`


def test_stream_chat_completions(tgi: TGIServer) -> None:
    run(
        "stream_chat_completions",
        tgi,
        "isinstance(collected_chunks[0], openai.types.chat.ChatCompletionChunk)",
        "full_reply_content == ''.join(c.choices[0].delta.content or '' for c in collected_chunks) != ''",
        "reply_content == reply['content'] == reply.content",
    )

    assert [call.path for call in generate_calls(tgi)] == ["/generate", "/generate_stream", "/generate_stream"]


def test_text_completion_api(tgi: TGIServer) -> None:
    run(
        "text_completion_api",
        tgi,
        "isinstance(response, openai.types.Completion)",
        "response['choices'][0]['text'] == response.choices[0].text != ''",
        "response['usage']['completion_tokens'] == response.usage.completion_tokens > 0",
    )

    # With a prompt builder the prompt is the one user turn of its format, as in EasyLLM.
    assert inputs(tgi) == ["[INST] What is the meaning of life? [/INST]"]


def test_stream_text_completions(tgi: TGIServer) -> None:
    output = run(
        "stream_text_completions",
        tgi,
        "isinstance(chunk, openai.types.Completion)",
        "chunk['choices'][0]['finish_reason'] == 'stop'",
    )

    assert len(generate_calls(tgi)) == 2
    *displayed, printed = output.rstrip().splitlines()
    assert all(line.startswith("Completion(") for line in displayed)  # the first cell printed each chunk
    assert printed.strip()  # the second cell printed the text, chunk by chunk
    assert not printed.startswith("Completion(")


def test_get_embeddings(tgi: TGIServer) -> None:
    output = run(
        "get_embeddings",
        tgi,
        "isinstance(embedding, openai.types.CreateEmbeddingResponse)",
        "[item['index'] for item in embedding['data']] == [0, 1]",
        "embedding['data'][0]['embedding'] == embedding.data[0].embedding",
    )

    assert output.split() == ["384", "2"]  # the displayed lengths: one 384-float vector, then two vectors
    assert [request.path for request in tgi.requests] == ["/embed", "/embed"]


def test_falcon_180b_chat_with_its_stop_sequences(tgi: TGIServer) -> None:
    run("falcon_180b_chat", tgi, CHAT, CHAT_CONTENT)

    first, second = (call.json() for call in generate_calls(tgi))
    assert first["inputs"].startswith("System: \nYou are a helpful")  # HUGGINGFACE_PROMPT=falcon
    assert first["inputs"].endswith("\nUser: Cat.\nFalcon: ")
    assert first["parameters"]["stop"] == ["\nUser:", "<|endoftext|>", " User:", "###"]  # falcon_stop_sequences
    assert second["inputs"].startswith("System: You are a helpful assistant.\nUser: Explain")


def test_inference_endpoints_example(tgi: TGIServer) -> None:
    output = run(
        "inference_endpoints_example",
        tgi,
        "isinstance(chunk, openai.types.chat.ChatCompletionChunk)",
        "'content' not in chunk['choices'][0]['delta']",  # the closing chunk: EasyLLM's `delta: {}`
    )

    assert [call.path for call in generate_calls(tgi)] == ["/generate", "/generate_stream"]
    assert output.strip()
