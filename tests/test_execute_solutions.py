"""tools/execute_solutions.py stores the same bytes on every run."""

import nbformat

from tools.execute_solutions import merge_streams


def stream(name, text):
    return nbformat.v4.new_output("stream", name=name, text=text)


def test_consecutive_streams_of_one_name_are_merged_in_order():
    outputs = [stream("stdout", "a\n"), stream("stdout", "b\n"), stream("stderr", "w\n")]
    outputs.append(nbformat.v4.new_output("execute_result", data={"text/plain": "1"}))
    outputs.append(stream("stdout", "c\n"))
    merged = merge_streams(outputs)
    assert [out.output_type for out in merged] == ["stream", "stream", "execute_result", "stream"]
    assert [out.get("text") for out in merged] == ["a\nb\n", "w\n", None, "c\n"]


def test_a_split_and_an_unsplit_run_store_the_same_outputs():
    split = merge_streams([stream("stdout", "x = 1\n"), stream("stdout", "y = 2\n")])
    whole = merge_streams([stream("stdout", "x = 1\ny = 2\n")])
    assert split == whole
