-- wrk script for the webhook suite: replays pre-signed Twilio SMS requests, one line each of
-- "<X-Twilio-Signature>\t<form body>", each with its own MessageSid (wrk cannot compute HMAC-SHA1 itself).
-- Usage: wrk -t1 -c64 -d10s -s webhook.lua <url> -- <requests.tsv>
local requests = {}
local next_index = 1

function init(args)
  for line in io.lines(args[1]) do
    local tab = line:find("\t", 1, true)
    requests[#requests + 1] = { line:sub(1, tab - 1), line:sub(tab + 1) }
  end
end

function request()
  local r = requests[next_index]
  next_index = next_index % #requests + 1
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Twilio-Signature"] = r[1],
  }, r[2])
end
