"""Drafts of task forms: kept on the server per user and task, through reloads, sign-outs and refusals."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.helpers import ready_tasks, run_together, submit
from zerolegwork.engine.models import HumanTask
from zerolegwork.extensions import db
from zerolegwork.inbox import drafts
from zerolegwork.inbox.models import TaskDraft

JSON = {"Accept": "application/json"}


def _csrf(client, task_id):
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def _finance_task(people):
    (task,) = ready_tasks(submit(people).id, "finance")
    return task


def test_a_draft_is_saved_and_shown_again_after_signing_out(app, client, login, people):
    task = _finance_task(people)
    login("finance1")
    token = _csrf(client, task.id)
    resp = client.post(
        f"/tasks/{task.id}/draft",
        data={"csrf_token": token, "decision": "reject", "opinion": "资金来源说明不足，请补充。"},
        headers=JSON,
    )
    assert resp.status_code == 200 and resp.get_json()["message"].startswith("已保存草稿 ")
    client.post("/logout")
    login("finance1")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "资金来源说明不足，请补充。" in page
    assert 'value="reject" checked' in page
    assert 'name="_draft" value="1"' in page and "已保存草稿" in page


def test_submitting_with_a_draft_completes_the_task_and_drops_the_draft(app, client, login, people):
    task = _finance_task(people)
    login("finance1")
    token = _csrf(client, task.id)
    client.post(f"/tasks/{task.id}/draft", data={"csrf_token": token, "opinion": "草稿"}, headers=JSON)
    resp = client.post(
        f"/tasks/{task.id}", data={"csrf_token": token, "decision": "approve", "opinion": "同意。", "_draft": "1"}
    )
    assert resp.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(TaskDraft)) == 0
    assert db.session.get(HumanTask, task.id).state == "completed"


def test_a_refused_submission_keeps_every_value_typed(app, client, login, people):
    task = _finance_task(people)
    login("finance1")
    token = _csrf(client, task.id)
    resp = client.post(f"/tasks/{task.id}", data={"csrf_token": token, "opinion": "只写了意见，没有选择结论"})
    assert resp.status_code == 422
    assert "只写了意见，没有选择结论" in resp.get_data(as_text=True)


def test_only_the_forms_own_inputs_are_kept(app, client, login, people):
    task = _finance_task(people)
    login("finance1")
    token = _csrf(client, task.id)
    data = {"csrf_token": token, "opinion": "意见", "signed_by": "伪造的签名", "project_state": "approved"}
    assert client.post(f"/tasks/{task.id}/draft", data=data, headers=JSON).status_code == 200
    (draft,) = db.session.scalars(select(TaskDraft))
    assert draft.values == {"opinion": "意见"}


def test_table_cells_of_the_form_are_kept_and_others_dropped():
    form = {
        "fields": [
            {"name": "total", "type": "decimal"},
            {"name": "sources", "type": "rows", "columns": [{"name": "source"}, {"name": "amount"}]},
        ]
    }
    kept = drafts.keep(
        form, {"total": "5200", "sources-0-source": "市级", "sources-0-amount": "1.5", "sources-0-x": "?"}
    )
    assert kept == {"total": "5200", "sources-0-source": "市级", "sources-0-amount": "1.5"}


def test_someone_who_may_not_act_keeps_no_draft(app, client, login, people):
    task = _finance_task(people)
    login("ndrc1")
    token = _csrf(client, ready_tasks(task.project_id, "ndrc")[0].id)
    resp = client.post(f"/tasks/{task.id}/draft", data={"csrf_token": token, "opinion": "x"}, headers=JSON)
    assert resp.status_code == 404
    assert "error" in resp.get_json()
    assert db.session.scalar(select(func.count()).select_from(TaskDraft)) == 0


def test_a_draft_past_the_limit_answers_413_in_chinese_and_keeps_the_earlier_one(
    app, client, login, people, monkeypatch
):
    task_id = _finance_task(people).id
    finance1_id = people["users"]["finance1"].id
    login("finance1")
    token = _csrf(client, task_id)
    client.post(f"/tasks/{task_id}/draft", data={"csrf_token": token, "opinion": "先前的草稿"}, headers=JSON)
    monkeypatch.setattr(drafts, "MAX_BYTES", 1000)
    resp = client.post(f"/tasks/{task_id}/draft", data={"csrf_token": token, "opinion": "长" * 2000}, headers=JSON)
    assert resp.status_code == 413 and "草稿过大" in resp.get_json()["error"]
    db.session.remove()
    (draft,) = db.session.scalars(select(TaskDraft).where(TaskDraft.user_id == finance1_id))
    assert draft.values == {"opinion": "先前的草稿"}


def test_one_input_is_cut_at_its_limit():
    form = {"fields": [{"name": "opinion", "type": "textarea"}]}
    assert drafts.keep(form, {"opinion": "长" * 100_000})["opinion"] == "长" * drafts.MAX_VALUE


def test_two_saves_at_once_leave_one_draft(app, people):
    task = _finance_task(people)
    user_id = people["users"]["finance1"].id

    def save(text):
        from zerolegwork.orgs.models import User

        return lambda: drafts.save(db.session.get(User, user_id), task.id, {"opinion": text})

    results = run_together(app, save("第一次"), save("第二次"))
    assert not [r for r in results if isinstance(r, Exception)], results
    (draft,) = db.session.scalars(select(TaskDraft))
    assert draft.values["opinion"] in ("第一次", "第二次")


def test_a_draft_of_a_task_that_moved_on_is_not_shown(app, client, login, people):
    task = _finance_task(people)
    drafts.save(people["users"]["finance1"], task.id, {"opinion": "未提交的草稿"})
    db.session.commit()
    from zerolegwork.inbox import services as inbox

    inbox.complete(people["users"]["finance1"], task.id, {"decision": "approve", "opinion": "在另一窗口提交"})
    db.session.commit()
    login("finance1")
    assert "未提交的草稿" not in client.get(f"/tasks/{task.id}").get_data(as_text=True)
