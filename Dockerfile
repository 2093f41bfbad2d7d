FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install --no-cache-dir .
COPY flows ./flows
COPY nlu ./nlu
COPY locales ./locales
RUN pybabel compile -d locales -D messages
ENV FLOWS_DIR=/app/flows NLU_DIR=/app/nlu LOCALES_DIR=/app/locales PYTHONUNBUFFERED=1
USER nobody
EXPOSE 8080
CMD ["sh", "-c", "werkhelpdesk db upgrade && exec werkhelpdesk run"]
