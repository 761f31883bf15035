#!/bin/sh
echo "Hello from Stevedore's example image"
exec httpd -f -p 8080 -h /app
