"""XO's error answers: `{"error": <message>, "data": <object>}` with the status of the error kind."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_NO_DATA = object()


class SimulatedError(Exception):
    """An error answer. `data` is omitted from the body when not given (XO drops undefined)."""

    def __init__(self, status: int, error: Any, data: Any = _NO_DATA, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(f"{status} {error}")
        self.status = status
        self.error = error
        self.data = data
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.error}
        if self.data is not _NO_DATA:
            body["data"] = self.data
        return body


def no_such_object(type_word: str, object_id: str) -> SimulatedError:
    return SimulatedError(404, f"no such {type_word} {object_id}", {"id": object_id, "type": type_word})


def invalid_credentials() -> SimulatedError:
    return SimulatedError(401, "invalid credentials", headers={"WWW-Authenticate": 'Basic realm="xo"'})


def missing_privilege(object_id: str, resource: str) -> SimulatedError:
    privilege = {"objectId": object_id, "action": "read", "resource": resource}
    return SimulatedError(403, "not enough privileges", {"missingPrivileges": [privilege]})


def not_enough_permissions() -> SimulatedError:
    return SimulatedError(403, "not enough permissions", {"object": {}})


def invalid_query(errors: dict[str, Any]) -> SimulatedError:
    """tsoa's validation error: here `error` is an object keyed by parameter name."""
    return SimulatedError(422, errors, {})


def filter_parse_error(message: str, text: str) -> SimulatedError:
    return SimulatedError(400, message, {"stringToParse": text})


def mcp_disabled() -> SimulatedError:
    return SimulatedError(503, "MCP is disabled by administrator", {"error": "mcp_disabled"})


def feature_unauthorized(feature: str) -> SimulatedError:
    return SimulatedError(
        403, "feature Unauthorized", {"featureCode": feature, "currentPlan": "free", "minPlan": "starter"}
    )
