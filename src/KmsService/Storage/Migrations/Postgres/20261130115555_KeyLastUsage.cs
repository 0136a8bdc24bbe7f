using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KmsService.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class KeyLastUsage : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "key_last_usage",
                columns: table => new
                {
                    KeyArn = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Operation = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Timestamp = table.Column<long>(type: "bigint", nullable: false),
                    CloudTrailEventId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    KmsRequestId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_key_last_usage", x => x.KeyArn);
                    table.ForeignKey(
                        name: "FK_key_last_usage_keys_KeyArn",
                        column: x => x.KeyArn,
                        principalTable: "keys",
                        principalColumn: "Arn",
                        onDelete: ReferentialAction.Cascade);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "key_last_usage");
        }
    }
}
