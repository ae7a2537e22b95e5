"""A Pulumi program in Python that uses optima-csp through its generated SDK (sdk/python).

tests/package/sdks.test.ts type-checks it (mypy --strict) and runs it under Pulumi's Python mocks
(wire.py); README.md, "Use from another language", shows the same calls.
"""

import pulumi
from pulumi_optima_csp import azure, optima

connection = azure.CspConnection(
    "csp",
    web_app=azure.WebAppArgs(client_id="0f5a8f5e-3b1a-4c55-9d8e-1a2b3c4d5e6f"),
    mpn_id="1234567",
    optima=azure.OptimaArgs(org_id="12345", target=optima.RegistrationTarget.CSP_PARTNER),
    domain_source=azure.DomainSource.INITIAL,
    key_expires_after_days=180,
    verify=azure.VerifyArgs(timeout_seconds=900),
    customers=[
        azure.CustomerArgs(
            tenant_id="9d2f7c1e-5a4b-4c3d-8e9f-0a1b2c3d4e5f",
            org_id="23456",
            retain_on_delete=True,
        )
    ],
)

pulumi.export("activeKeyId", connection.active_key_id)
pulumi.export("nextRotationAt", connection.next_rotation_at)
pulumi.export("customerRegistrationIds", connection.customer_registration_ids)
