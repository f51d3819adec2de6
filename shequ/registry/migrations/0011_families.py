"""Couples, children on both parents, 婚育证明, pregnancies, 户口性质, 出生医学证明编号."""

import django.db.models.deletion
import simple_history.models
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('org', '0008_versions'),
        ('registry', '0010_person_id_number_nullable'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='FertilityCertificate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('uid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('number', models.CharField(max_length=40, verbose_name='证明编号')),
                ('issuing_authority', models.CharField(blank=True, max_length=100, verbose_name='发证机关')),
                ('issued_on', models.DateField(blank=True, null=True, verbose_name='发证日期')),
                ('verified_on', models.DateField(blank=True, null=True, verbose_name='查验日期')),
                ('verified_how', models.CharField(blank=True, choices=[('in_person', '本人出示查验'), ('registration_place', '经户籍地核实')], max_length=20, verbose_name='查验方式')),
                ('registered_at', models.DateTimeField(auto_now_add=True, verbose_name='建档时间')),
                ('version', models.PositiveIntegerField(db_default=1, default=1, editable=False, help_text='每次保存加一；修改时须提交所依据的版本。', verbose_name='版本')),
            ],
            options={
                'verbose_name': '婚育证明',
                'verbose_name_plural': '婚育证明',
                'ordering': ['person_id', '-issued_on', 'id'],
            },
        ),
        migrations.CreateModel(
            name='HistoricalFertilityCertificate',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('uid', models.UUIDField(default=uuid.uuid4, editable=False)),
                ('number', models.CharField(max_length=40, verbose_name='证明编号')),
                ('issuing_authority', models.CharField(blank=True, max_length=100, verbose_name='发证机关')),
                ('issued_on', models.DateField(blank=True, null=True, verbose_name='发证日期')),
                ('verified_on', models.DateField(blank=True, null=True, verbose_name='查验日期')),
                ('verified_how', models.CharField(blank=True, choices=[('in_person', '本人出示查验'), ('registration_place', '经户籍地核实')], max_length=20, verbose_name='查验方式')),
                ('registered_at', models.DateTimeField(blank=True, editable=False, verbose_name='建档时间')),
                ('version', models.PositiveIntegerField(db_default=1, default=1, editable=False, help_text='每次保存加一；修改时须提交所依据的版本。', verbose_name='版本')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField()),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
            ],
            options={
                'verbose_name': 'historical 婚育证明',
                'verbose_name_plural': 'historical 婚育证明',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalMarriage',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('uid', models.UUIDField(default=uuid.uuid4, editable=False)),
                ('husband_name', models.CharField(blank=True, max_length=50, verbose_name='丈夫姓名（非本库人员）')),
                ('husband_id_number', models.CharField(blank=True, max_length=18, verbose_name='丈夫身份证号码')),
                ('husband_hukou_address', models.CharField(blank=True, max_length=200, verbose_name='丈夫户籍地址')),
                ('wife_name', models.CharField(blank=True, max_length=50, verbose_name='妻子姓名（非本库人员）')),
                ('wife_id_number', models.CharField(blank=True, max_length=18, verbose_name='妻子身份证号码')),
                ('wife_hukou_address', models.CharField(blank=True, max_length=200, verbose_name='妻子户籍地址')),
                ('married_on', models.DateField(blank=True, null=True, verbose_name='结婚日期')),
                ('certificate_number', models.CharField(blank=True, max_length=40, verbose_name='结婚证字号')),
                ('certificate_place', models.CharField(blank=True, max_length=100, verbose_name='登记机关')),
                ('end_reason', models.CharField(blank=True, choices=[('divorce', '离婚'), ('death', '丧偶（配偶死亡）'), ('annulment', '婚姻无效/被撤销')], max_length=10, verbose_name='婚姻终止原因')),
                ('ended_on', models.DateField(blank=True, null=True, verbose_name='终止日期')),
                ('honor_certificate_number', models.CharField(blank=True, max_length=40, verbose_name='独生子女父母光荣证编号')),
                ('honor_certificate_date', models.DateField(blank=True, null=True, verbose_name='光荣证发证日期')),
                ('registered_at', models.DateTimeField(blank=True, editable=False, verbose_name='建档时间')),
                ('version', models.PositiveIntegerField(db_default=1, default=1, editable=False, help_text='每次保存加一；修改时须提交所依据的版本。', verbose_name='版本')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField()),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
            ],
            options={
                'verbose_name': 'historical 婚姻',
                'verbose_name_plural': 'historical 婚姻',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalPregnancy',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('uid', models.UUIDField(default=uuid.uuid4, editable=False)),
                ('recorded_on', models.DateField(verbose_name='登记日期')),
                ('expected_on', models.DateField(blank=True, null=True, verbose_name='预产期')),
                ('outcome', models.CharField(blank=True, choices=[('live_birth', '活产'), ('stillbirth', '死胎/死产'), ('miscarriage', '自然流产'), ('induced', '人工流产/引产'), ('other', '其他')], max_length=12, verbose_name='妊娠结局')),
                ('outcome_on', models.DateField(blank=True, null=True, verbose_name='结局日期')),
                ('registered_at', models.DateTimeField(blank=True, editable=False, verbose_name='建档时间')),
                ('version', models.PositiveIntegerField(db_default=1, default=1, editable=False, help_text='每次保存加一；修改时须提交所依据的版本。', verbose_name='版本')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField()),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
            ],
            options={
                'verbose_name': 'historical 孕情',
                'verbose_name_plural': 'historical 孕情',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='Marriage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('uid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('husband_name', models.CharField(blank=True, max_length=50, verbose_name='丈夫姓名（非本库人员）')),
                ('husband_id_number', models.CharField(blank=True, max_length=18, verbose_name='丈夫身份证号码')),
                ('husband_hukou_address', models.CharField(blank=True, max_length=200, verbose_name='丈夫户籍地址')),
                ('wife_name', models.CharField(blank=True, max_length=50, verbose_name='妻子姓名（非本库人员）')),
                ('wife_id_number', models.CharField(blank=True, max_length=18, verbose_name='妻子身份证号码')),
                ('wife_hukou_address', models.CharField(blank=True, max_length=200, verbose_name='妻子户籍地址')),
                ('married_on', models.DateField(blank=True, null=True, verbose_name='结婚日期')),
                ('certificate_number', models.CharField(blank=True, max_length=40, verbose_name='结婚证字号')),
                ('certificate_place', models.CharField(blank=True, max_length=100, verbose_name='登记机关')),
                ('end_reason', models.CharField(blank=True, choices=[('divorce', '离婚'), ('death', '丧偶（配偶死亡）'), ('annulment', '婚姻无效/被撤销')], max_length=10, verbose_name='婚姻终止原因')),
                ('ended_on', models.DateField(blank=True, null=True, verbose_name='终止日期')),
                ('honor_certificate_number', models.CharField(blank=True, max_length=40, verbose_name='独生子女父母光荣证编号')),
                ('honor_certificate_date', models.DateField(blank=True, null=True, verbose_name='光荣证发证日期')),
                ('registered_at', models.DateTimeField(auto_now_add=True, verbose_name='建档时间')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                ('version', models.PositiveIntegerField(db_default=1, default=1, editable=False, help_text='每次保存加一；修改时须提交所依据的版本。', verbose_name='版本')),
            ],
            options={
                'verbose_name': '婚姻',
                'verbose_name_plural': '婚姻',
                'ordering': ['-married_on', 'id'],
            },
        ),
        migrations.CreateModel(
            name='Pregnancy',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('uid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('recorded_on', models.DateField(verbose_name='登记日期')),
                ('expected_on', models.DateField(blank=True, null=True, verbose_name='预产期')),
                ('outcome', models.CharField(blank=True, choices=[('live_birth', '活产'), ('stillbirth', '死胎/死产'), ('miscarriage', '自然流产'), ('induced', '人工流产/引产'), ('other', '其他')], max_length=12, verbose_name='妊娠结局')),
                ('outcome_on', models.DateField(blank=True, null=True, verbose_name='结局日期')),
                ('registered_at', models.DateTimeField(auto_now_add=True, verbose_name='建档时间')),
                ('version', models.PositiveIntegerField(db_default=1, default=1, editable=False, help_text='每次保存加一；修改时须提交所依据的版本。', verbose_name='版本')),
            ],
            options={
                'verbose_name': '孕情',
                'verbose_name_plural': '孕情',
                'ordering': ['person_id', '-recorded_on', 'id'],
            },
        ),
        migrations.AddField(
            model_name='child',
            name='death_date',
            field=models.DateField(blank=True, null=True, verbose_name='死亡日期'),
        ),
        migrations.AddField(
            model_name='child',
            name='disability_grade',
            field=models.CharField(blank=True, choices=[('1', '一级'), ('2', '二级'), ('3', '三级'), ('4', '四级')], max_length=2, verbose_name='残疾等级'),
        ),
        migrations.AddField(
            model_name='child',
            name='father',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='children_as_father', to='registry.person', verbose_name='父亲'),
        ),
        migrations.AddField(
            model_name='child',
            name='mother',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='children_as_mother', to='registry.person', verbose_name='母亲'),
        ),
        migrations.AddField(
            model_name='historicalchild',
            name='death_date',
            field=models.DateField(blank=True, null=True, verbose_name='死亡日期'),
        ),
        migrations.AddField(
            model_name='historicalchild',
            name='disability_grade',
            field=models.CharField(blank=True, choices=[('1', '一级'), ('2', '二级'), ('3', '三级'), ('4', '四级')], max_length=2, verbose_name='残疾等级'),
        ),
        migrations.AddField(
            model_name='historicalchild',
            name='father',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='registry.person', verbose_name='父亲'),
        ),
        migrations.AddField(
            model_name='historicalchild',
            name='mother',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='registry.person', verbose_name='母亲'),
        ),
        migrations.AddField(
            model_name='historicalperson',
            name='birth_certificate_number',
            field=models.CharField(blank=True, max_length=20, verbose_name='出生医学证明编号'),
        ),
        migrations.AddField(
            model_name='historicalperson',
            name='hukou_nature',
            field=models.CharField(blank=True, choices=[('agricultural', '农业'), ('non_agri', '非农业'), ('unified', '居民户口（统一登记后）')], max_length=12, verbose_name='户口性质'),
        ),
        migrations.AddField(
            model_name='person',
            name='birth_certificate_number',
            field=models.CharField(blank=True, max_length=20, verbose_name='出生医学证明编号'),
        ),
        migrations.AddField(
            model_name='person',
            name='hukou_nature',
            field=models.CharField(blank=True, choices=[('agricultural', '农业'), ('non_agri', '非农业'), ('unified', '居民户口（统一登记后）')], max_length=12, verbose_name='户口性质'),
        ),
        migrations.AddConstraint(
            model_name='person',
            constraint=models.UniqueConstraint(condition=models.Q(('birth_certificate_number', ''), _negated=True), fields=('birth_certificate_number',), name='person_birth_certificate_unique'),
        ),
        migrations.AddField(
            model_name='fertilitycertificate',
            name='issuing_division',
            field=models.ForeignKey(blank=True, db_column='issuing_division', db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.division', verbose_name='发证地'),
        ),
        migrations.AddField(
            model_name='fertilitycertificate',
            name='person',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='fertility_certificates', to='registry.person', verbose_name='持证人'),
        ),
        migrations.AddField(
            model_name='fertilitycertificate',
            name='verified_by',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='查验人'),
        ),
        migrations.AddField(
            model_name='historicalfertilitycertificate',
            name='history_user',
            field=models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='historicalfertilitycertificate',
            name='issuing_division',
            field=models.ForeignKey(blank=True, db_column='issuing_division', db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='org.division', verbose_name='发证地'),
        ),
        migrations.AddField(
            model_name='historicalfertilitycertificate',
            name='person',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='registry.person', verbose_name='持证人'),
        ),
        migrations.AddField(
            model_name='historicalfertilitycertificate',
            name='verified_by',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='查验人'),
        ),
        migrations.AddField(
            model_name='historicalmarriage',
            name='history_user',
            field=models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='historicalmarriage',
            name='husband',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='registry.person', verbose_name='丈夫'),
        ),
        migrations.AddField(
            model_name='historicalmarriage',
            name='husband_hukou_division',
            field=models.ForeignKey(blank=True, db_column='husband_hukou_division', db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='org.division', verbose_name='丈夫户籍地'),
        ),
        migrations.AddField(
            model_name='historicalmarriage',
            name='wife',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='registry.person', verbose_name='妻子'),
        ),
        migrations.AddField(
            model_name='historicalmarriage',
            name='wife_hukou_division',
            field=models.ForeignKey(blank=True, db_column='wife_hukou_division', db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='org.division', verbose_name='妻子户籍地'),
        ),
        migrations.AddField(
            model_name='historicalpregnancy',
            name='child',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='registry.child', verbose_name='所生子女'),
        ),
        migrations.AddField(
            model_name='historicalpregnancy',
            name='history_user',
            field=models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='historicalpregnancy',
            name='person',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='registry.person', verbose_name='孕妇'),
        ),
        migrations.AddField(
            model_name='marriage',
            name='husband',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='marriages_as_husband', to='registry.person', verbose_name='丈夫'),
        ),
        migrations.AddField(
            model_name='marriage',
            name='husband_hukou_division',
            field=models.ForeignKey(blank=True, db_column='husband_hukou_division', db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.division', verbose_name='丈夫户籍地'),
        ),
        migrations.AddField(
            model_name='marriage',
            name='wife',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='marriages_as_wife', to='registry.person', verbose_name='妻子'),
        ),
        migrations.AddField(
            model_name='marriage',
            name='wife_hukou_division',
            field=models.ForeignKey(blank=True, db_column='wife_hukou_division', db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.division', verbose_name='妻子户籍地'),
        ),
        migrations.AddField(
            model_name='child',
            name='marriage',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='children', to='registry.marriage', verbose_name='父母婚姻'),
        ),
        migrations.AddField(
            model_name='historicalchild',
            name='marriage',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='registry.marriage', verbose_name='父母婚姻'),
        ),
        migrations.AddIndex(
            model_name='child',
            index=models.Index(condition=models.Q(('mother__isnull', False)), fields=['mother'], name='child_mother'),
        ),
        migrations.AddIndex(
            model_name='child',
            index=models.Index(condition=models.Q(('father__isnull', False)), fields=['father'], name='child_father'),
        ),
        migrations.AddIndex(
            model_name='child',
            index=models.Index(condition=models.Q(('marriage__isnull', False)), fields=['marriage'], name='child_marriage'),
        ),
        migrations.AddConstraint(
            model_name='child',
            constraint=models.CheckConstraint(condition=models.Q(('death_date__isnull', True), ('is_living', False), _connector='OR'), name='child_dead_is_not_living'),
        ),
        migrations.AddField(
            model_name='pregnancy',
            name='child',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.child', verbose_name='所生子女'),
        ),
        migrations.AddField(
            model_name='pregnancy',
            name='person',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='pregnancies', to='registry.person', verbose_name='孕妇'),
        ),
        migrations.AddIndex(
            model_name='marriage',
            index=models.Index(condition=models.Q(('husband__isnull', False)), fields=['husband'], name='marriage_husband'),
        ),
        migrations.AddIndex(
            model_name='marriage',
            index=models.Index(condition=models.Q(('wife__isnull', False)), fields=['wife'], name='marriage_wife'),
        ),
        migrations.AddConstraint(
            model_name='marriage',
            constraint=models.CheckConstraint(condition=models.Q(('husband__isnull', False), ('wife__isnull', False), _connector='OR'), name='marriage_has_a_registry_spouse'),
        ),
        migrations.AddConstraint(
            model_name='marriage',
            constraint=models.CheckConstraint(condition=models.Q(('end_reason', ''), ('end_reason__in', ['divorce', 'death', 'annulment']), _connector='OR'), name='marriage_end_reason_valid'),
        ),
        migrations.AddConstraint(
            model_name='marriage',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('end_reason', ''), _negated=True), ('ended_on__isnull', True), _connector='OR'), name='marriage_in_force_has_no_end_date'),
        ),
        migrations.AddConstraint(
            model_name='marriage',
            constraint=models.UniqueConstraint(condition=models.Q(('end_reason', '')), fields=('husband',), name='marriage_one_in_force_husband'),
        ),
        migrations.AddConstraint(
            model_name='marriage',
            constraint=models.UniqueConstraint(condition=models.Q(('end_reason', '')), fields=('wife',), name='marriage_one_in_force_wife'),
        ),
        migrations.AddConstraint(
            model_name='pregnancy',
            constraint=models.CheckConstraint(condition=models.Q(('outcome', ''), ('outcome_on__isnull', False), _connector='OR'), name='pregnancy_outcome_has_a_date'),
        ),
    ]
