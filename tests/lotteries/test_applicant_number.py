"""An applicant can find themselves in a draw's published list: the page tells them their applicant number."""
import re

from marketplace.core import transactions
from tests.lotteries.test_lotteries import applicants, hall, now, open_lottery, run_draw  # noqa: F401 (fixtures)


def test_an_applicant_is_told_the_number_the_draw_publishes_for_them(session, factory, hall, client, login):
    lottery = open_lottery(session, hall)
    [resident] = applicants(factory, session, lottery, 1)
    others = applicants(factory, session, lottery, 2)
    login(resident)
    detail = f"/listings/{hall.id}/lotteries/{lottery.id}"
    assert f"你的报名者编号是 {resident.id}，" in client.get(detail).get_data(as_text=True)
    with transactions.read_only(False):
        run_draw(session)
    page = client.get(detail).get_data(as_text=True)
    assert f"你的报名者编号：{resident.id}" in page
    verify = re.search(r'data-testid="verify-link" href="[^"]*other_ids=([0-9,%C]*)', page).group(1)
    assert sorted(int(n) for n in verify.replace("%2C", ",").split(",")) == sorted(
        [resident.id, *(other.id for other in others)])
