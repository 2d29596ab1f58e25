# The silo (and the load generator / simulator) in one image.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish silo/Aiops.Silo -c Release -o /app/silo && dotnet publish perf/Aiops.LoadGen -c Release -o /app/loadgen

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app /app
ENV Aiops__ListenAddress=0.0.0.0
EXPOSE 8080 4317
ENTRYPOINT ["dotnet", "/app/silo/Aiops.Silo.dll", "--contentRoot", "/app/silo"]
