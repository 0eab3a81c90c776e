"""The bell: a new task leaves a notification for its organisation; the list shows it and marks it read."""

from __future__ import annotations

from tests.helpers import ready_tasks
from zerolegwork.extensions import db
from zerolegwork.notify.services import unread_count


def test_a_new_task_rings_the_bell_and_the_list_links_to_it(client, login, people):
    project = people["projects"][0]
    login("unit1")
    assert client.post(f"/projects/{project.id}/submit").status_code == 302
    (task,) = ready_tasks(project.id, "finance")
    assert unread_count("finance") >= 1
    login("finance1")
    page = client.get("/notifications/").get_data(as_text=True)
    assert f"/tasks/{task.id}" in page and 'data-testid="mark-read"' in page
    assert client.post("/notifications/read").status_code == 302
    finance1, chief = people["users"]["finance1"], people["users"]["finance_chief"]
    db.session.refresh(finance1)
    assert unread_count("finance", seen_id=finance1.notifications_seen_id) == 0
    assert unread_count("finance", seen_id=chief.notifications_seen_id) >= 1  # read state is per person
    page = client.get("/notifications/").get_data(as_text=True)
    assert 'data-testid="mark-read"' not in page


def test_an_organisation_sees_only_its_own_notifications(client, login, people):
    project = people["projects"][0]
    login("unit1")
    client.post(f"/projects/{project.id}/submit")
    page = client.get("/notifications/").get_data(as_text=True)
    assert 'data-testid="notifications-empty"' in page
