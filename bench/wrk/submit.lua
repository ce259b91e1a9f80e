-- Online submissions with two small files: POST /api/v1/dossiers (multipart), a new
-- Idempotency-Key per request so each makes a dossier.
local boundary = "----tinhso" .. tostring(os.time())
local token = os.getenv("TOKEN")
local procedure = os.getenv("PROCEDURE")
local doc1, doc2 = os.getenv("DOC1"), os.getenv("DOC2")
local pdf = "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
local counter = 0
local thread_id = 0

setup = function(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end

local function part(name, value)
  return "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. name .. "\"\r\n\r\n" .. value .. "\r\n"
end

local function file(name, filename, content)
  return "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. name .. "\"; filename=\"" .. filename ..
    "\"\r\nContent-Type: application/pdf\r\n\r\n" .. content .. "\r\n"
end

local body = part("procedure_code", procedure) .. part("channel", "2") ..
  part("form_data", "{\"noi_dung\": \"Đăng ký khai sinh cho con\"}") ..
  file("doc_" .. doc1, "to-khai.pdf", pdf) .. file("doc_" .. doc2, "giay-chung-sinh.pdf", pdf) ..
  "--" .. boundary .. "--\r\n"

request = function()
  counter = counter + 1
  local headers = {}
  headers["Authorization"] = "Bearer " .. token
  headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
  headers["Idempotency-Key"] = string.format("bench-%s-%d-%d-%d", os.getenv("RUN"), tid or 0, counter, math.random(1e9))
  return wrk.format("POST", "/api/v1/dossiers", headers, body)
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d errors=%d seconds=%.2f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f non2xx=%d\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.errors.status))
end
