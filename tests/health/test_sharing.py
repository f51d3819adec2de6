"""A migrant's check-up is notified to her registration place: its kind and date always, its
clinical result and risk level only when the provider shares them for that record."""

import pytest
from django.utils import timezone

from shequ.outbox.models import Notification

pytestmark = pytest.mark.django_db


def _check(client, migrant, station, **extra):
    return client.post(
        "/api/v1/service-records/",
        {
            "person": str(migrant.uid),
            "kind": "reproductive_check",
            "date": str(timezone.localdate()),
            "facility": str(station.uid),
            "result": "宫颈炎，建议治疗",
            "risk_level": "high",
            **extra,
        },
        format="json",
    )


def test_the_clinical_result_reaches_the_registration_place_only_when_shared(
    doctor, station, women, api
):
    migrant = women["migrant"]
    kept = _check(api.as_(doctor), migrant, station)
    assert kept.status_code == 201 and kept.json()["share_clinical"] is False
    notice = Notification.objects.get(key=f"health.notice:{kept.json()['id']}")
    assert "宫颈炎" not in notice.summary and "高风险" not in notice.summary
    assert notice.summary.startswith("生殖健康检查")

    shared = _check(api.as_(doctor), migrant, station, share_clinical=True)
    assert shared.status_code == 201 and shared.json()["share_clinical"] is True
    notice = Notification.objects.get(key=f"health.notice:{shared.json()['id']}")
    assert "宫颈炎，建议治疗" in notice.summary and "高风险人群" in notice.summary


def test_nothing_clinical_to_share_is_refused(people, women, api):
    answer = api.as_(people.worker_a).post(
        "/api/v1/service-records/",
        {
            "person": str(women["migrant"].uid),
            "kind": "contraception_counselling",
            "date": str(timezone.localdate()),
            "share_clinical": True,
        },
        format="json",
    )
    assert answer.status_code == 400
    assert answer.json()["share_clinical"] == ["没有临床结果可通报：请填写结果或风险等级。"]
