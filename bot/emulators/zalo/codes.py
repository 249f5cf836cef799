"""Zalo Official Account and OAuth v4 error codes used by the OA emulator.

OpenAPI errors answer HTTP 200 with ``{"error": <negative int>, "message": "..."}`` (only
``error == 0`` is success); OAuth errors answer HTTP 200 with ``{"error", "error_name",
"error_description"}``. Confidence, from public material (see the package docstring):

* ACCESS_TOKEN_INVALID -216 "Access token is invalid": seen in many clients and fixtures.
* RATE_LIMITED -32 "Your OA reached limit call api": seen in client tests (a call-rate limit).
* NOT_INTERACTED_7_DAYS -230: seen in client code; the emulator only uses it when
  ``interaction_window`` is set.
* PACKAGE_REQUIRED -224 (the OA's package lacks the feature): from an integration reference.
* INVALID_REFRESH_TOKEN -14014 and REFRESH_TOKEN_USED -14020: from client tests / a reference.
* QUOTA_EXCEEDED: Zalo's code for an exhausted message quota was NOT found; the default reuses
  -32 (the limit error) with message "Quota exceeded" — pass ``quota_error=`` to change it.
* PARAMS_INVALID -201, TEXT_TOO_LONG, and the OAuth app/secret/code/verifier codes are NOT
  confirmed; they are plausible stand-ins in Zalo's shape.
"""

from __future__ import annotations

__all__ = [
    "ACCESS_TOKEN_INVALID",
    "INVALID_APP_ID",
    "INVALID_CODE",
    "INVALID_CODE_VERIFIER",
    "INVALID_GRANT_TYPE",
    "INVALID_REFRESH_TOKEN",
    "INVALID_SECRET_KEY",
    "NOT_INTERACTED_7_DAYS",
    "PACKAGE_REQUIRED",
    "PARAMS_INVALID",
    "QUOTA_EXCEEDED",
    "RATE_LIMITED",
    "REFRESH_TOKEN_USED",
    "TEXT_TOO_LONG",
    "ZaloCode",
]

ZaloCode = tuple[int, str]

ACCESS_TOKEN_INVALID: ZaloCode = (-216, "Access token is invalid")
RATE_LIMITED: ZaloCode = (-32, "Your OA reached limit call api")
QUOTA_EXCEEDED: ZaloCode = (-32, "Quota exceeded")
NOT_INTERACTED_7_DAYS: ZaloCode = (-230, "User has not interacted with the OA in the past 7 days")
PACKAGE_REQUIRED: ZaloCode = (-224, "OA has not purchased the required package")
PARAMS_INVALID: ZaloCode = (-201, "Parameters are invalid")
TEXT_TOO_LONG: ZaloCode = (-201, "Text length must be between 1 and 2000 characters")

INVALID_APP_ID: ZaloCode = (-14001, "Invalid app_id")
INVALID_SECRET_KEY: ZaloCode = (-14002, "Invalid secret key")
INVALID_GRANT_TYPE: ZaloCode = (-14003, "Invalid grant_type")
INVALID_REFRESH_TOKEN: ZaloCode = (-14014, "Invalid refresh token")
INVALID_CODE: ZaloCode = (-14019, "Invalid authorization code")
REFRESH_TOKEN_USED: ZaloCode = (-14020, "Refresh token is already used or expired")
INVALID_CODE_VERIFIER: ZaloCode = (-14021, "Invalid code verifier")
