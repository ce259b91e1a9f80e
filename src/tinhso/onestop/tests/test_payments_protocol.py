from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from tinhso.onestop.payments import gateway_result, payment_params, sign, verify

AT = datetime(2025, 4, 25, 9, 0, tzinfo=UTC)


def _request(amount=50000, reference="000.01.01.H56-250425-0001-1"):
    return payment_params(reference=reference, amount=amount, description="Lệ phí hộ tịch",
                          return_url="http://127.0.0.1:8000/thanh-toan/ket-qua/",
                          client_ip="203.0.113.5", at=AT)


def test_signed_request_verifies_and_carries_the_amount_in_hundredths():
    params = _request()
    assert verify(params)
    assert params["vnp_Amount"] == "5000000"
    assert params["vnp_CreateDate"] == "20250425160000"  # Vietnam time


def test_any_changed_parameter_breaks_the_signature():
    params = _request()
    for key in ("vnp_Amount", "vnp_TxnRef", "vnp_ReturnUrl"):
        tampered = {**params, key: params[key] + "1"}
        assert not verify(tampered), key


def test_a_result_from_the_gateway_verifies_and_a_forged_one_does_not():
    result = gateway_result(_request(), success=True, transaction_no="14012345", at=AT)
    assert verify(result)
    assert result["vnp_ResponseCode"] == "00"
    forged = {**result, "vnp_ResponseCode": "00", "vnp_Amount": "100"}
    assert not verify(forged)
    assert not verify({k: v for k, v in result.items() if k != "vnp_SecureHash"})


@given(st.dictionaries(st.from_regex(r"vnp_[A-Za-z]{1,12}", fullmatch=True),
                       st.text(min_size=1, max_size=30), max_size=8))
def test_signature_does_not_depend_on_parameter_order(params):
    secret = b"khoa-bi-mat"
    reordered = dict(reversed(list(params.items())))
    assert sign(params, secret) == sign(reordered, secret)
