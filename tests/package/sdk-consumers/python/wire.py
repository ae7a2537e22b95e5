"""Runs program.py under Pulumi's Python mocks and prints, as JSON, each resource it registers
(type token, name, inputs as sent): what the optima-csp provider plugin's construct receives."""

import json
from typing import Any

import pulumi


class Recorder(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.registered: list[dict[str, Any]] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.registered.append({"type": args.typ, "name": args.name, "inputs": args.inputs})
        return f"{args.name}-id", {"activeKeyId": "key-id"}

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        raise Exception(f"Mock call not implemented: {args.token}")


recorder = Recorder()
pulumi.runtime.set_mocks(recorder, preview=False)

import program  # noqa: E402  (the mocks must be set first)


@pulumi.runtime.test
def registered() -> pulumi.Output[None]:
    return program.connection.active_key_id.apply(
        lambda _: print(json.dumps(recorder.registered, sort_keys=True))
    )


registered()
