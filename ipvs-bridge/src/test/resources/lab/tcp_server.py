# Answers every TCP connection on PORT with NAME and a newline, then closes it; one process,
# no fork per connection.
# usage: tcp_server.py PORT NAME
import socket, sys
port, name = int(sys.argv[1]), sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", port))
s.listen(128)
answer = (name + "\n").encode()
while True:
    c, _ = s.accept()
    try:
        c.sendall(answer)
    except OSError:
        pass
    c.close()
