"""pytest plugin used by bench/moto-suite.sh: runs moto's KMS tests (server mode) against KmsService.

moto's @mock_aws in server mode empties its server between tests with an unsigned POST /moto-api/reset and ignores
the answer. KmsService has no such route; its reset is POST /_kms/reset, signed with SigV4 by a principal allowed to
reset (README, "Resetting between tests"). The script turns moto's call off (MOTO_CALL_RESET_API=false) and this
plugin makes the service's call before every test instead, signed with the access key moto's mock puts in the
environment (moto.core.models: FOOBARKEY / FOOBARSECRET), which the script's seed file declares as the root of
moto's account 123456789012. A reset that fails stops the run: tests on a store left over from the previous test
would report differences that are not there.
"""

import os

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def _reset_service():
    endpoint = os.environ["TEST_SERVER_MODE_ENDPOINT"].rstrip("/")
    credentials = Credentials(
        os.environ.get("KMS_RESET_ACCESS_KEY_ID", "FOOBARKEY"),
        os.environ.get("KMS_RESET_SECRET_ACCESS_KEY", "FOOBARSECRET"),
    )
    request = AWSRequest(
        method="POST",
        url=f"{endpoint}/_kms/reset",
        data=b"{}",
        headers={"Content-Type": "application/json"},
    )
    SigV4Auth(credentials, "kms", "us-east-1").add_auth(request)
    response = requests.post(request.url, data=request.body, headers=dict(request.headers), timeout=60)
    if response.status_code // 100 != 2:
        raise RuntimeError(f"POST /_kms/reset answered {response.status_code}: {response.text[:500]}")


@pytest.fixture(autouse=True)
def _kms_service_reset():
    _reset_service()
    yield


def pytest_configure(config):
    # moto's own test configuration declares this marker; a bare tests/test_kms folder has none.
    config.addinivalue_line("markers", "aws_verified: the test was verified against AWS")
