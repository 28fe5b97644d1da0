"""Errors as their reader needs them: a page in the console's layout, in Russian, for a person's browser
(what happened and what to do, the technical detail folded away); JSON for the API and for programs.

A browser says so in its Accept header (text/html before anything else); the API, feeds, webhooks and
health checks answer JSON whatever they are sent.
"""

from __future__ import annotations

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException

MACHINE_PATHS = ("/api/", "/webhooks/", "/health", "/ready", "/metrics", "/openapi")

# status -> (title, what to do)
PAGES = {
    400: ("Запрос не понят", "Проверьте, что введено в форму или в адресную строку, и попробуйте ещё раз."),
    403: ("Нет доступа", "Эта страница не для вашей роли. Если она нужна вам для работы, обратитесь к "
                         "администратору сети."),
    404: ("Не найдено", "Такой страницы нет: ссылка устарела или в ней опечатка. Личная ссылка (на календарь, на выбор "
                        "курсов) перестаёт работать, когда её отзывают или выдают новую: попросите новую у координатора."),
    405: ("Так нельзя", "Это действие выполняется кнопкой на странице, а не по ссылке."),
    409: ("Конфликт", "Данные изменились или то же действие уже выполняется. Обновите страницу и посмотрите, "
                      "что изменилось."),
    413: ("Слишком большой файл", "Файл больше, чем принимает сервер. Разбейте его на части."),
    429: ("Слишком много попыток", "Подождите немного и попробуйте снова."),
    500: ("Что-то пошло не так", "Ошибка записана в журнал сервера. Попробуйте ещё раз; если не получится, "
                                 "сообщите администратору сети время, когда это случилось."),
}


def wants_page() -> bool:
    if request.path.startswith(MACHINE_PATHS) or request.path.endswith(".ics"):
        return False
    return request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"


def error_response(exc: HTTPException):
    code = exc.code or 500
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    if wants_page():
        title, advice = PAGES.get(code, ("Ошибка", "Вернитесь на предыдущую страницу и попробуйте ещё раз."))
        body = render_template("error.html", code=code, title=title, advice=advice, detail=exc.description)
        return body, code, headers
    response = jsonify(error=exc.name, message=exc.description)
    response.headers.extend(headers)
    return response, code
