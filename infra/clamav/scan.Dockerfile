# The scan function with ClamAV's clamd inside. The build context is staged at synth
# (mailgate_infra.scanning.scan_image): python/ is the mailgate layer (package + dependencies),
# handler.py is functions/scan/handler.py. mailgate.scanners.antivirus.embedded starts clamd from
# /usr/sbin/clamd with the signatures it copies from the signature bucket into /tmp.
FROM public.ecr.aws/lambda/python:3.12
RUN dnf install -y clamd clamav-lib && dnf clean all
COPY python/ /opt/python/
ENV PYTHONPATH=/opt/python
COPY handler.py ${LAMBDA_TASK_ROOT}/
CMD ["handler.handler"]
