"""HTML pages of volunteer service records: my record, a printable certificate per issuer, and an organisation's
volunteers as CSV (UTF-8 with BOM, so that Excel reads the Chinese)."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, render_template
from flask_login import current_user, login_required

from marketplace.core import zones
from marketplace.core.http import deployment_zone, local_today
from marketplace.core.i18n import _l
from marketplace.core.urls import ID
from marketplace.exchange import volunteers
from marketplace.extensions import db
from marketplace.organisations.services import get_organisation

bp = Blueprint("exchange", __name__)

PLATFORM_NAME = _l("社区资源超市")


@bp.app_template_filter("local_day")
def local_day(instant) -> str:
    """An aware UTC instant as its date in the deployment's zone."""
    return zones.local_date(instant, deployment_zone()).isoformat()


def my_record() -> volunteers.VolunteerRecord:
    return volunteers.volunteer_record(db.session, current_user, platform_name=PLATFORM_NAME)


@bp.route("/me/volunteer-record")
@login_required
def record():
    volunteer_record = my_record()
    return render_template("exchange/record.html", record=volunteer_record,
                           certificates=volunteer_record.certificates)


@bp.route("/me/volunteer-record/certificates/<string(maxlength=20):issuer>")
@login_required
def certificate(issuer: str):
    return render_template("exchange/certificate.html", certificate=my_record().certificate(issuer),
                           issued_on=local_today().isoformat())


@bp.route(f"/organisations/<{ID}:organisation_id>/volunteer-records.csv")
@login_required
def organisation_csv(organisation_id: int):
    rows = volunteers.organisation_volunteers(db.session, current_user, get_organisation(db.session, organisation_id))
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([str(_l("志愿者编号")), str(_l("姓名")), str(_l("服务次数")), str(_l("服务时长（小时）")),
                     str(_l("首次服务")), str(_l("最近服务"))])
    for row in rows:
        writer.writerow([row.number, row.name, row.services, row.hours, row.first_at.date().isoformat(),
                         row.last_at.date().isoformat()])
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=volunteer-records-{organisation_id}.csv"})
