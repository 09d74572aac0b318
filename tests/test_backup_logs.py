"""Reading backup logs (CONTRACT-2 §4) without trusting them: errors on one line, trees of any depth and
shape, time windows, exact filters (checked with the project's port of XO's filter engine)."""

from __future__ import annotations

from typing import Any

import pytest

from xo_mcp.backup_logs import (
    DAY_MS,
    MAX_DEPTH,
    LogRow,
    error_text,
    exactly,
    failure_of,
    lists_vm,
    read_tree,
    run_status,
    window_bounds,
    window_term,
)
from xo_mcp.complex_matcher import compile_filter

STACK = "XapiError: VDI_IO_ERROR(Device I/O errors)\n    at Xapi._call (/opt/xo/packages/xen-api/index.mjs:1002:24)"


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        ({"message": "VDI_IO_ERROR(Device I/O errors)", "stack": STACK}, "VDI_IO_ERROR(Device I/O errors)"),
        ({"stack": STACK}, None),  # a stack alone is never shown
        ({"code": "ENOSPC", "stack": STACK}, "ENOSPC"),
        ("first line\nsecond line", "first line"),
        ("\n\n  indented first  \nnext", "indented first"),
        (
            {"message": "mount nfs://backup:s3cr3t@nas.example/export failed"},
            "mount nfs://***@nas.example/export failed",
        ),
        ({"message": "x" * 500}, "x" * 179 + "…"),
        (None, None),
        (42, None),
        ({"message": ""}, None),
    ],
)
def test_errors_are_one_short_line_without_stack_or_credentials(result: Any, expected: str | None) -> None:
    assert error_text(result) == expected


def test_the_deepest_failure_explains_a_task() -> None:
    task = {
        "status": "failure",
        "tasks": [
            {"message": "snapshot", "status": "success"},
            {
                "message": "export",
                "status": "failure",
                "tasks": [{"message": "transfer", "status": "failure", "result": {"message": "VDI_IO_ERROR"}}],
            },
        ],
        "result": {"message": "all targets have failed"},
    }
    assert failure_of(task) == "VDI_IO_ERROR"
    assert failure_of({"status": "failure", "tasks": [{"status": "failure"}], "result": {"message": "own"}}) == "own"


def test_a_tree_of_any_depth_and_shape_is_read() -> None:
    deep: dict[str, Any] = {"status": "failure", "result": {"message": "bottom"}}
    for _ in range(5000):  # far deeper than XO writes, and than Python's recursion limit
        deep = {"status": "failure", "tasks": [deep]}
    log = {
        "id": "1",
        "jobId": "j",
        "start": 10,
        "end": 5,
        "status": "failure",
        "tasks": [
            None,
            "x",
            {"data": {"type": "VM", "id": "vm-1", "name_label": "web"}, "status": "failure", "tasks": [deep]},
        ],
        "infos": [{"message": "vms", "data": {"vms": ["vm-1", 3]}}, "junk"],
        "data": {"mode": "delta"},
    }
    tree = read_tree(log)
    assert tree is not None and tree.deep and tree.row.duration_ms is None
    assert tree.listed_vms == ["vm-1"] and tree.mode == "delta"
    (vm,) = tree.vm_tasks
    assert (vm.subject_id, vm.subject_name, vm.status, vm.error) == ("vm-1", "web", "failure", None)
    assert tree.vm_results() == {"vm-1": [False]}
    assert read_tree({"id": "x"}) is None and read_tree({"start": 1}) is None  # no id or no start: no run
    assert MAX_DEPTH < 5000


def test_statuses_xo_does_not_document_are_unknown() -> None:
    assert [run_status(s) for s in ("success", "pending", "exploded", None, 3)] == [
        "success",
        "pending",
        "unknown",
        "unknown",
        "unknown",
    ]
    row = LogRow.parse({"id": "1", "start": 1.5, "status": "weird"})
    assert row is not None and row.status == "unknown" and row.start == 1 and row.job_id is None


def test_a_retried_vm_counts_twice_and_the_newest_error_explains_the_run() -> None:
    log = {
        "id": "1",
        "start": 1,
        "status": "success",
        "tasks": [
            {"data": {"type": "VM", "id": "a"}, "status": "failure", "result": {"message": "first try"}},
            {"data": {"type": "VM", "id": "a"}, "status": "success"},
            {"data": {"type": "remote", "id": "r"}, "status": "skipped", "result": {"message": "skipped step"}},
        ],
    }
    tree = read_tree(log)
    assert tree is not None
    assert tree.vm_results() == {"a": [False, True], "r": [False]}
    found = tree.first_error()
    assert found is not None and found[0] == "first try"


def test_time_windows_reach_back_newest_first() -> None:
    now = 100 * DAY_MS
    assert window_bounds(now, None) == [
        (now - DAY_MS, None),
        (now - 7 * DAY_MS, now - DAY_MS),
        (now - 31 * DAY_MS, now - 7 * DAY_MS),
        (now - 366 * DAY_MS, now - 31 * DAY_MS),
        (None, now - 366 * DAY_MS),
    ]
    assert window_bounds(now, now - 3 * DAY_MS) == [(now - DAY_MS, None), (now - 3 * DAY_MS, now - DAY_MS)]
    term = window_term(5, 9)
    assert term is not None
    assert [compile_filter(term)({"start": s}) for s in (4, 5, 8, 9)] == [False, True, True, False]


def test_exact_filters_are_exact() -> None:
    term = exactly("id", ["1760000000150", "a.b(c)|d"])
    assert term is not None
    matcher = compile_filter(term)
    assert matcher({"id": "1760000000150"}) and matcher({"id": "a.b(c)|d"})
    assert not matcher({"id": "1760000000150:1"}) and not matcher({"id": "x1760000000150"})
    assert not matcher({"id": "aXb(c)|d"})
    assert exactly("id", []) is None


def test_a_log_lists_a_vm_only_in_its_vms_info() -> None:
    check = lists_vm("vm-1")
    assert check({"infos": [{"message": "vms", "data": {"vms": ["vm-1"]}}]})
    assert not check({"infos": [{"message": "other", "data": {"vms": ["vm-1"]}}]})
    assert not check({"infos": "junk"}) and not check({})
